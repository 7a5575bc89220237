/**
 * Notification pipeline: N Applications in the real kube-apiserver (a namespace of our own),
 * each flipping through a sync as Argo CD writes it (merge patches: Running, then Succeeded with
 * reconciledAt), watched by a real `opsbot start` process (ApplicationWatcher → Notifier →
 * NotificationState → the `notify` queue, as deployed). The driver (this process) only patches,
 * so its own load does not sit in the measured path. Latency is from a patch's response to the
 * notify job being queued (BullMQ's own `timestamp` on the job, same machine clock); duplicates
 * and misses are counted where a user would see them, in the console destination's outbox.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { adminKubeConfig, ARGO, patchApplicationStatus } from '../test/support/testenv.js';
import { createNamespace, deleteNamespace, env as kubeEnv } from '../test/argocd/kube-env.js';
import { at, operation, status } from '../test/argocd/fixtures.js';
import { inPool } from './pool.js';
import { percentile, row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const rev = (n: number) => n.toString(16).padStart(40, '0');
const STREAM = 'opsbot:outbox:console:notifications';

/** Applications created already synced at revision 1 (16 requests in flight): the state a first start takes as its baseline. */
export async function createSyncedApplications(api: CustomObjectsApi, ns: string, names: string[]): Promise<void> {
  await inPool(names, 16, async (name) => {
    const body = {
      apiVersion: `${ARGO.group}/${ARGO.version}`,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: 'https://example.invalid/gitops.git', path: `apps/${name}` },
        destination: { server: 'https://kubernetes.default.svc', namespace: name },
      },
      // No status subresource on Argo CD's CRD: the status is part of the object.
      status: status({ revision: rev(1), op: operation('Succeeded', rev(1), at(1), at(2)), reconciledAt: at(3) }),
    };
    await api.createNamespacedCustomObject({ ...ARGO, namespace: ns, body });
  });
}

export async function notifications(opts: BenchOptions): Promise<BenchResult[]> {
  if (!kubeEnv.kube.available) throw new Error(`no kube-apiserver: ${kubeEnv.kube.reason ?? ''} (npm run testenv)`);
  const n = opts.quick ? 300 : 2000;
  const admin = adminKubeConfig();
  const api = admin.makeApiClient(CustomObjectsApi);
  const redis = await startRedis({ appendonly: false });
  const ns = await createNamespace('opsbot-bench-notify');
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const names = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  let bot: OpsbotProcess | undefined;
  try {
    const t0 = performance.now();
    await createSyncedApplications(api, ns, names);
    opts.log(`  notifications: ${n} Applications created in ${Math.round(performance.now() - t0)} ms`);

    const config = writeConfig(
      `argocd: { namespaces: [${ns}] }\nnotifications:\n  routes:\n    - triggers: [on-sync-running, on-sync-succeeded]\n      to: [console]\n`,
    );
    const env = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      KUBECONFIG: kubeEnv.kube.env.OPSBOT_KUBECONFIG ?? '',
      OPSBOT_HOME: tempDir('opsbot-bench-notify-'),
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    bot = new OpsbotProcess(['start', '--no-console'], { env });
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    // The first start takes the current state as its baseline: wait until it has listed it.
    await new Promise((r) => setTimeout(r, opts.quick ? 2000 : 5000));
    const baselineAnnounced = await client.xlen(STREAM);

    const patchedAt = new Map<string, number>();
    const started = Date.now();
    const startedAt = at(10);
    await inPool(names, 16, async (name) => {
      await patchApplicationStatus(
        admin,
        ns,
        name,
        status({ sync: 'OutOfSync', revision: rev(2), health: 'Progressing', op: operation('Running', rev(2), startedAt) }),
      );
      patchedAt.set(`${name} on-sync-running`, Date.now());
      await patchApplicationStatus(
        admin,
        ns,
        name,
        status({ revision: rev(2), op: operation('Succeeded', rev(2), startedAt, at(12)), reconciledAt: at(13) }),
      );
      patchedAt.set(`${name} on-sync-succeeded`, Date.now());
    });
    const patchedMs = Date.now() - started;
    const expected = patchedAt.size;
    const deliveredBy = await waitUntil(
      'every notification in the outbox',
      async () => (await client.xlen(STREAM)) - baselineAnnounced >= expected,
      120_000,
      50,
    )
      .then(() => Date.now())
      .catch(() => NaN);
    await new Promise((r) => setTimeout(r, 1000)); // room for a late duplicate to show

    // Queue time of each announcement: the notify jobs' own timestamps.
    const jobKeys = (await client.keys('opsbot:notify:u-*')).filter((k) => /^opsbot:notify:u-[0-9a-f]{24}$/.test(k));
    const queuedAt = new Map<string, number>();
    for (const key of jobKeys) {
      const [timestamp, data] = await client.hmget(key, 'timestamp', 'data');
      const target = data ? (JSON.parse(data) as { target?: string }).target : undefined;
      if (target && timestamp) queuedAt.set(target, Number(timestamp));
    }
    const latencies = [...patchedAt].filter(([k]) => queuedAt.has(k)).map(([k, t]) => Math.max(0, queuedAt.get(k)! - t));
    const misses = [...patchedAt.keys()].filter((k) => !queuedAt.has(k)).length;
    // What a user would see: one message per (app, trigger) in the destination.
    const delivered = await client.xlen(STREAM);
    const duplicates = delivered - baselineAnnounced - (expected - misses);
    const lastQueued = Math.max(...queuedAt.values());
    const announceRate = (expected - misses) / ((lastQueued - started) / 1000);
    const patchRate = expected / (patchedMs / 1000);
    opts.log(
      `  notifications: ${expected} owed, baseline announced ${baselineAnnounced}, misses ${misses}, duplicates ${duplicates}, outbox ${delivered}`,
    );
    return [
      row(
        `notify: ${n} apps × 2 triggers, announced/s`,
        announceRate,
        'events/s',
        patchRate,
        'baseline: rate at which the API server accepted the status patches (16 in flight); ratio ≈ 1 means the pipeline keeps up',
      ),
      row(
        'notify: patch → queued p50',
        percentile(latencies, 50),
        'ms',
        100,
        'a real `opsbot start` process; baseline column = the 100 ms bar (DESIGN.md)',
      ),
      row('notify: patch → queued p99', percentile(latencies, 99), 'ms', 100),
      row(
        'notify: duplicates',
        Math.max(0, duplicates) + baselineAnnounced,
        'count',
        null,
        'must be 0 (messages in the destination beyond one per operation and trigger; baseline announcements count too)',
      ),
      row('notify: misses', misses, 'count', null, 'must be 0'),
      row(
        'notify: delivery, last in outbox after last patch',
        deliveredBy - started - patchedMs,
        'ms',
        null,
        `notify jobs run by the same process's workers into the console outbox (${delivered} entries); Slack/Telegram add their own pacing`,
      ),
    ];
  } finally {
    await bot?.stop('SIGKILL');
    client.disconnect();
    await redis.close();
    await deleteNamespace(ns);
  }
}
