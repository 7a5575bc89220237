/**
 * Notification pipeline: N Applications in the real kube-apiserver (a namespace of our own),
 * each flipping through a sync as Argo CD writes it (merge patches: Running, then Succeeded with
 * reconciledAt), watched by ApplicationWatcher → Notifier → NotificationState, announcing the
 * way the app does (`JobQueues.enqueueOnce('notify', …)` keyed by the announcement key).
 * Latency is from the Succeeded/Running patch's response to its announcement being queued.
 * Delivery (notify job → outbox) is measured separately by an `opsbot worker` process.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { ApplicationWatcher } from '../src/argocd/application-watcher.js';
import { NotificationState } from '../src/argocd/notification-state.js';
import { Notifier, type Announcement } from '../src/argocd/notifier.js';
import { routeSchema } from '../src/core/config/schema.js';
import { JobQueues } from '../src/jobs/queues.js';
import type { JobKind } from '../src/jobs/kind.js';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { writeConfig } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { adminKubeConfig, ARGO, patchApplicationStatus } from '../test/support/testenv.js';
import { createNamespace, deleteNamespace, env as kubeEnv, opsbotConnection } from '../test/argocd/kube-env.js';
import { at, operation, status } from '../test/argocd/fixtures.js';
import { inPool } from './pool.js';
import { percentile, row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const NOTIFY: JobKind = { name: 'notify', idempotent: true, attempts: 5, quiet: true, run: () => Promise.reject(new Error('producer side only')) };
const rev = (n: number) => n.toString(16).padStart(40, '0');

export async function notifications(opts: BenchOptions): Promise<BenchResult[]> {
  if (!kubeEnv.kube.available) throw new Error(`no kube-apiserver: ${kubeEnv.kube.reason ?? ''} (npm run testenv)`);
  const n = opts.quick ? 300 : 2000;
  const admin = adminKubeConfig();
  const api = admin.makeApiClient(CustomObjectsApi);
  const redis = await startRedis({ appendonly: false });
  const ns = await createNamespace('opsbot-bench-notify');
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const names = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  let watcher: ApplicationWatcher | undefined;
  let notifier: Notifier | undefined;
  let worker: OpsbotProcess | undefined;
  try {
    const t0 = performance.now();
    await inPool(names, 16, async (name) => {
      const body = {
        apiVersion: `${ARGO.group}/${ARGO.version}`,
        kind: 'Application',
        metadata: { name, namespace: ns },
        spec: { project: 'default', source: { repoURL: 'https://example.invalid/gitops.git', path: `apps/${name}` }, destination: { server: 'https://kubernetes.default.svc', namespace: name } },
        // No status subresource on Argo CD's CRD: the status is part of the object.
        status: status({ revision: rev(1), op: operation('Succeeded', rev(1), at(1), at(2)), reconciledAt: at(3) }),
      };
      await api.createNamespacedCustomObject({ ...ARGO, namespace: ns, body });
    });
    opts.log(`  notifications: ${n} Applications created in ${Math.round(performance.now() - t0)} ms`);

    const queues = new JobQueues(client, new Map([['notify', NOTIFY]]));
    const announcedAt = new Map<string, number[]>();
    const announce = async (a: Announcement) => {
      const payload = { destinations: a.destinations, groupKey: a.groupKey, message: a.message };
      await queues.enqueueOnce('notify', payload, { requester: { platform: 'console', id: 'argocd', displayName: 'Argo CD' }, conversation: { platform: 'console', channel: 'notifications' }, target: `${a.app.name} ${a.trigger}` }, a.key);
      const list = announcedAt.get(`${a.app.name}|${a.trigger}|${a.app.operationState?.startedAt ?? ''}`) ?? [];
      list.push(performance.now());
      announcedAt.set(`${a.app.name}|${a.trigger}|${a.app.operationState?.startedAt ?? ''}`, list);
    };
    const routes = [routeSchema.parse({ triggers: ['on-sync-running', 'on-sync-succeeded'], to: ['console'] })];
    watcher = new ApplicationWatcher({ kube: opsbotConnection(), namespaces: [ns] });
    notifier = new Notifier({ watcher, state: new NotificationState(client), routes, announce });
    await notifier.start();
    watcher.start();
    await watcher.waitForSync();
    await notifier.idle();
    const baselineAnnounced = announcedAt.size;

    // Delivery: a worker process runs the notify jobs into the console outbox.
    const config = writeConfig('notifications:\n  routes:\n    - triggers: [on-sync-succeeded]\n      to: [console]\n');
    worker = new OpsbotProcess(['worker'], { env: baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, PORT: '0', LOG_LEVEL: 'info' }) });
    await worker.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 30_000 });

    const patchedAt = new Map<string, number>();
    const started = performance.now();
    const startedAt = at(10);
    await inPool(names, 16, async (name) => {
      await patchApplicationStatus(admin, ns, name, status({ sync: 'OutOfSync', revision: rev(2), health: 'Progressing', op: operation('Running', rev(2), startedAt) }));
      patchedAt.set(`${name}|on-sync-running|${startedAt}`, performance.now());
      await patchApplicationStatus(admin, ns, name, status({ revision: rev(2), op: operation('Succeeded', rev(2), startedAt, at(12)), reconciledAt: at(13) }));
      patchedAt.set(`${name}|on-sync-succeeded|${startedAt}`, performance.now());
    });
    const patchedMs = performance.now() - started;
    const expected = [...patchedAt.keys()];
    await waitUntil('every announcement', () => expected.every((k) => announcedAt.has(k)), 60_000, 20).catch(() => undefined);
    await notifier.idle();
    const lastAnnounce = Math.max(...[...announcedAt.values()].flat());
    const latencies = expected.filter((k) => announcedAt.has(k)).map((k) => Math.max(0, announcedAt.get(k)![0]! - patchedAt.get(k)!));
    const misses = expected.filter((k) => !announcedAt.has(k)).length;
    const duplicates = [...announcedAt.values()].reduce((s, l) => s + l.length - 1, 0);
    const announceRate = (expected.length - misses) / ((lastAnnounce - started) / 1000);
    const patchRate = expected.length / (patchedMs / 1000);

    // Delivery into the console outbox (no platform pacing there): every notify job done.
    const stream = 'opsbot:outbox:console:notifications';
    const deliveredBy = await waitUntil('delivery', async () => (await client.xlen(stream)) >= expected.length - misses, 120_000, 50)
      .then(() => performance.now())
      .catch(() => NaN);
    const delivered = await client.xlen(stream);
    opts.log(`  notifications: ${expected.length} owed, baseline announced ${baselineAnnounced}, misses ${misses}, duplicates ${duplicates}, outbox ${delivered}`);
    return [
      row(`notify: ${n} apps × 2 triggers, announced/s`, announceRate, 'events/s', patchRate, 'baseline: rate at which the API server accepted the status patches (16 in flight); ratio ≈ 1 means the pipeline keeps up'),
      row('notify: patch → queued p50', percentile(latencies, 50), 'ms', 100, 'baseline column = the 100 ms bar (DESIGN.md)'),
      row('notify: patch → queued p99', percentile(latencies, 99), 'ms', 100),
      row('notify: duplicates', duplicates + baselineAnnounced, 'count', null, 'must be 0 (announcements of the baseline state count as duplicates)'),
      row('notify: misses', misses, 'count', null, 'must be 0'),
      row('notify: delivery, last in outbox after last patch', deliveredBy - started - patchedMs, 'ms', null, `notify jobs run by one opsbot worker into the console outbox (${delivered} entries); Slack/Telegram add their own pacing`),
    ];
  } finally {
    await watcher?.stop();
    await notifier?.stop();
    await worker?.stop('SIGKILL');
    client.disconnect();
    await redis.close();
    await deleteNamespace(ns);
  }
}
