import { unwatchFile, watchFile } from 'node:fs';
import type { Redis } from 'ioredis';
import type { ClusterAccess } from '../argocd/cluster-access.js';
import { NotificationState } from '../argocd/notification-state.js';
import { Notifier, type Announcement } from '../argocd/notifier.js';
import { NOTICE } from '../argocd/notification-message.js';
import { loadConfig, type LoadedConfig } from '../core/config/load.js';
import { routeForApplications } from '../core/config/route-apps.js';
import type { Config, Route } from '../core/config/schema.js';
import { parseDestination } from '../core/destination.js';
import type { Logger } from '../core/logger.js';
import type { Actor } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { NotifyPayload } from './handlers/notify.js';
import type { JobQueues } from './queues.js';

const ARGO_CD: Actor = { platform: 'console', id: 'argocd', displayName: 'Argo CD' };
/** How often the config file is looked at for changed routes (a stat, no read unless it changed). */
const RELOAD_POLL_MS = 2000;

const applicationRoutes = (config: Config): Route[] => config.notifications.routes.map((r) => routeForApplications(config, r));

/**
 * Automated Argo CD notifications, in the processes that face chat: the watcher's events go
 * through the Notifier (triggers, the Redis-held memory of what was announced) and each owed
 * announcement becomes a `notify` job, whose id is the announcement key. With several bot
 * replicas every replica watches; the memory lets exactly one announce each operation, and the
 * job id makes the hand-off idempotent. Routes come from the config file and are reloaded when it
 * changes; subscriptions come from the Applications' annotations. Undefined without a cluster.
 */
export async function startNotifications(deps: {
  loaded: LoadedConfig;
  cluster: ClusterAccess;
  /** A connection of its own (the memory's Lua scripts run on it). */
  redis: Redis;
  queues: Pick<JobQueues, 'enqueueOnce'>;
  log: Logger;
  metrics: Metrics;
}): Promise<{ notifier: Notifier; stop(): Promise<void> } | undefined> {
  const { loaded, cluster, log } = deps;
  if (!cluster.connected) return undefined;
  let routes = applicationRoutes(loaded.config);
  const watcher = await cluster.unstartedWatcher();
  const notifier = new Notifier({
    watcher,
    state: new NotificationState(deps.redis),
    routes: () => routes,
    logger: log,
    metrics: deps.metrics,
    repoWebUrl: loaded.config.gitops?.webUrl,
    announce: (a) => handOff(deps.queues, a),
  });
  await notifier.start();
  watcher.start();
  // Routes change without a restart; a file that no longer validates keeps the routes in force.
  const reload = () => {
    try {
      routes = applicationRoutes(loadConfig(loaded.file, loaded.bundled).config);
      log.info({ config: loaded.file, routes: routes.length }, 'notification routes reloaded');
    } catch (err) {
      log.warn({ config: loaded.file, err: (err as Error).message }, 'config changed but is not valid: notification routes unchanged');
    }
  };
  watchFile(loaded.file, { interval: RELOAD_POLL_MS, persistent: false }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload();
  });
  return {
    notifier,
    async stop() {
      unwatchFile(loaded.file);
      await notifier.stop();
    },
  };
}

async function handOff(queues: Pick<JobQueues, 'enqueueOnce'>, a: Announcement): Promise<void> {
  if (a.destinations.length === 0) return;
  const payload: NotifyPayload = {
    destinations: a.destinations,
    groupKey: a.groupKey,
    message: a.message,
    key: a.key,
    notice: { app: a.app.name, ...NOTICE[a.trigger] },
  };
  await queues.enqueueOnce(
    'notify',
    payload,
    { requester: ARGO_CD, conversation: parseDestination(a.destinations[0] ?? 'console'), target: `${a.app.name} ${a.trigger}` },
    a.key,
  );
}
