/**
 * Memory: resident set (VmRSS from /proc/<pid>/status) of `opsbot start --no-console`, idle,
 * and watching N Applications (a config with a notification route, so the notifier watches;
 * KUBECONFIG = opsbot's least-privilege kubeconfig). Compared with the targets: 150 MB idle,
 * 300 MB with 5,000 Applications.
 */
import { readFileSync } from 'node:fs';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { get } from '../test/support/http.js';
import { startRedis } from '../test/support/redis.js';
import { adminKubeConfig, ARGO } from '../test/support/testenv.js';
import { createNamespace, deleteNamespace, env as kubeEnv } from '../test/argocd/kube-env.js';
import { at, operation, status } from '../test/argocd/fixtures.js';
import { inPool } from './pool.js';
import { row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** RSS once it has settled: the largest of a few samples a second apart after `settleMs`. */
async function settledRss(pid: number, settleMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, settleMs));
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(rssMb(pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return Math.max(...samples);
}

async function startBot(env: NodeJS.ProcessEnv): Promise<{ bot: OpsbotProcess; address: string }> {
  const bot = new OpsbotProcess(['start', '--no-console'], {
    env: { ...env, PORT: '0', LOG_LEVEL: 'info', OPSBOT_HOME: tempDir('opsbot-bench-mem-') },
  });
  await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
  const [, address] = await bot.waitFor(/"address":"(http:\/\/[^"]+)"/, { stream: 'stderr' });
  return { bot, address: address! };
}

export async function memory(opts: BenchOptions): Promise<BenchResult[]> {
  if (!kubeEnv.kube.available) throw new Error(`no kube-apiserver: ${kubeEnv.kube.reason ?? ''} (npm run testenv)`);
  const n = opts.quick ? 1000 : 5000;
  const redis = await startRedis({ appendonly: false });
  const ns = await createNamespace('opsbot-bench-mem');
  const procs: OpsbotProcess[] = [];
  try {
    const idleEnv = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig('access:\n  rules: []\n') });
    const idle = await startBot(idleEnv);
    procs.push(idle.bot);
    const idleMb = await settledRss(idle.bot.pid, 3000);
    await idle.bot.stop();

    const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const t0 = performance.now();
    await inPool(
      Array.from({ length: n }, (_, i) => `app-${i}`),
      16,
      async (name) => {
        await api.createNamespacedCustomObject({
          ...ARGO,
          namespace: ns,
          body: {
            apiVersion: `${ARGO.group}/${ARGO.version}`,
            kind: 'Application',
            metadata: { name, namespace: ns, labels: { team: 'bench' } },
            spec: {
              project: 'default',
              source: { repoURL: 'https://example.invalid/gitops.git', path: `apps/${name}` },
              destination: { server: 'https://kubernetes.default.svc', namespace: name },
            },
            status: status({ revision: 'a'.repeat(40), op: operation('Succeeded', 'a'.repeat(40), at(1), at(2)), reconciledAt: at(3) }),
          },
        });
      },
    );
    opts.log(`  memory: ${n} Applications created in ${Math.round(performance.now() - t0)} ms`);
    const config = writeConfig(
      `argocd: { namespaces: [${ns}] }\nnotifications:\n  routes:\n    - triggers: [on-sync-succeeded, on-sync-failed, on-health-degraded]\n      to: [console]\n`,
    );
    const watching = await startBot(baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, KUBECONFIG: kubeEnv.kube.env.OPSBOT_KUBECONFIG ?? '' }));
    procs.push(watching.bot);
    // Listed (and every app evaluated) once the relist counter shows the namespace.
    await waitUntil(
      'the watcher to list',
      async () => /opsbot_argocd_relists_total\{[^}]*\} [1-9]/.test((await get(`${watching.address}/metrics`)).text),
      60_000,
      250,
    );
    const watchingMb = await settledRss(watching.bot.pid, 5000);
    opts.log(`  memory: idle ${idleMb.toFixed(1)} MB, watching ${n} ${watchingMb.toFixed(1)} MB`);
    return [
      row('memory: opsbot start, idle', idleMb, 'MB', 150, 'VmRSS; baseline column = the 150 MB target'),
      row(
        `memory: opsbot start, ${n} Applications watched`,
        watchingMb,
        'MB',
        opts.quick ? 150 + (150 * n) / 5000 : 300,
        'VmRSS; baseline column = the target (300 MB at 5,000; pro rata in --quick)',
      ),
    ];
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
    await deleteNamespace(ns);
  }
}
