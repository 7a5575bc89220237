import type { Redis } from 'ioredis';
import type { ClusterAccess } from '../argocd/cluster-access.js';
import { NotificationState } from '../argocd/notification-state.js';
import { Notifier, type Announcement } from '../argocd/notifier.js';
import type { Config } from '../core/config/schema.js';
import { parseDestination } from '../core/destination.js';
import { routeForApplications } from '../core/config/route-apps.js';
import type { Logger } from '../core/logger.js';
import type { Actor } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { NotifyPayload } from './handlers/notify.js';
import type { JobQueues } from './queues.js';

const ARGO_CD: Actor = { platform: 'console', id: 'argocd', displayName: 'Argo CD' };

/**
 * Automated Argo CD notifications, in the processes that face chat: the watcher's events go
 * through the Notifier (triggers, the Redis-held memory of what was announced) and each owed
 * announcement becomes a `notify` job, whose id is the announcement key. With several bot
 * replicas every replica watches; the memory lets exactly one announce each operation, and the
 * job id makes the hand-off idempotent. Undefined when there is no cluster or no route.
 */
export async function startNotifications(deps: {
  config: Config;
  cluster: ClusterAccess;
  /** A connection of its own (the memory's Lua scripts run on it). */
  redis: Redis;
  queues: Pick<JobQueues, 'enqueueOnce'>;
  log: Logger;
  metrics: Metrics;
}): Promise<Notifier | undefined> {
  const { config, cluster } = deps;
  if (!cluster.connected || config.notifications.routes.length === 0) return undefined;
  const watcher = await cluster.unstartedWatcher();
  const notifier = new Notifier({
    watcher,
    state: new NotificationState(deps.redis),
    routes: config.notifications.routes.map((r) => routeForApplications(config, r)),
    logger: deps.log,
    metrics: deps.metrics,
    repoWebUrl: config.gitops?.webUrl,
    announce: (a) => handOff(deps.queues, a),
  });
  await notifier.start();
  watcher.start();
  return notifier;
}

async function handOff(queues: Pick<JobQueues, 'enqueueOnce'>, a: Announcement): Promise<void> {
  const payload: NotifyPayload = { destinations: a.destinations, groupKey: a.groupKey, message: a.message, key: a.key };
  await queues.enqueueOnce('notify', payload, { requester: ARGO_CD, conversation: parseDestination(a.destinations[0] ?? 'console'), target: `${a.app.name} ${a.trigger}` }, a.key);
}
