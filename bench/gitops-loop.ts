/**
 * The deploy follow-up on the real GitOps loop (the test environment's Argo CD controller,
 * kube-controller-manager, kwok): N `/deploy`s one after another, each timed from the push
 * (the job's "committed; waiting for Argo CD" line) to
 *   - Argo CD's own verdict: the first Application event, seen by a watch in this process, that
 *     says Synced and Healthy at the commit after a Succeeded operation of it — the baseline;
 *   - the chat's "✔ Deployed" line.
 * The figure is what opsbot adds on top of Argo CD (target p99 < 1 s). opsbot also waits for the
 * workloads' rollout (`kubectl rollout status`'s test), which Argo CD's Healthy can precede.
 */
import { Watch } from '@kubernetes/client-node';
import { createIsolatedApplication, deployment } from '../test/support/argocd-app.js';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { adminKubeConfig, testenv } from '../test/support/testenv.js';
import { percentile, row, type BenchOptions, type BenchResult } from './stats.js';

interface AppEvent {
  metadata?: { name?: string };
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    operationState?: { phase?: string; syncResult?: { revision?: string } };
  };
}

export async function gitopsLoop(opts: BenchOptions): Promise<BenchResult[]> {
  const env = testenv();
  if (!env.argocd.available) throw new Error(`no GitOps loop: ${env.argocd.reason ?? 'unavailable'} (npm run testenv)`);
  const n = opts.quick ? 5 : 20;
  const redis = await startRedis();
  const app = await createIsolatedApplication({
    prefix: 'bench',
    files: { 'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.0', replicas: 2 }) },
  });
  // Argo CD's verdict per commit: the first moment it said Synced + Healthy at it.
  const argoHealthy = new Map<string, number>();
  const watch = await new Watch(adminKubeConfig()).watch(
    `/apis/argoproj.io/v1alpha1/namespaces/${app.namespace}/applications`,
    { fieldSelector: `metadata.name=${app.name}` },
    (_type, obj: AppEvent) => {
      const st = obj.status;
      const rev = st?.sync?.revision;
      if (!rev || argoHealthy.has(rev)) return;
      if (
        st.sync?.status === 'Synced' &&
        st.health?.status === 'Healthy' &&
        st.operationState?.phase === 'Succeeded' &&
        st.operationState.syncResult?.revision === rev
      ) {
        argoHealthy.set(rev, performance.now());
      }
    },
    () => undefined,
  );
  try {
    await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 120_000);
    const opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
      OPSBOT_HOME: tempDir('opsbot-bench-loop-'),
      OPSBOT_CONFIG: writeConfig(`
gitops: { url: ${app.repo.bare} }
argocd: { namespaces: [${app.namespace}], followTimeout: 3m }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: manifest, path: web.yaml, container: web, application: ${app.name} }
limits: { jobsPerMinute: 0 }
access:
  rules:
    - subjects: ["console:*"]
      actions: [deploy]
`),
    });
    const toArgo: number[] = [];
    const toChat: number[] = [];
    const added: number[] = [];
    for (let i = 1; i <= n; i++) {
      const proc = new OpsbotProcess(['console', '--as', 'alice', '--exec', `/deploy web 1.1.${i} staging`], { env: opsbotEnv });
      // Each line's arrival, timed as it comes (not at a poll).
      let pushed: number | undefined;
      let deployed: number | undefined;
      proc.child.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (pushed === undefined && text.includes('committed; waiting for Argo CD')) pushed = performance.now();
        if (deployed === undefined && text.includes('✔ Deployed web')) deployed = performance.now();
      });
      const code = await proc.exited;
      if (code !== 0 || pushed === undefined || deployed === undefined)
        throw new Error(`deploy ${i} did not end deployed (exit ${code}):\n${proc.stdout}\n${proc.stderr}`);
      const sha = await app.head();
      const argo = argoHealthy.get(sha);
      if (argo === undefined) throw new Error(`deploy ${i}: Argo CD never said Synced and Healthy at ${sha.slice(0, 7)}`);
      toArgo.push(argo - pushed);
      toChat.push(deployed - pushed);
      added.push(deployed - argo);
      opts.log(`  deploy ${i}: Argo CD healthy ${(argo - pushed).toFixed(0)} ms, chat ${(deployed - pushed).toFixed(0)} ms after the push`);
    }
    const note = `${n} deploys of a 2-replica Deployment, one after another; baseline: Argo CD's own Synced+Healthy at the commit, seen by a watch in the bench process`;
    return [
      row(`gitops loop: push → chat says deployed, p50 (${n} deploys)`, percentile(toChat, 50), 'ms', percentile(toArgo, 50), note),
      row(`gitops loop: push → chat says deployed, p99 (${n} deploys)`, percentile(toChat, 99), 'ms', percentile(toArgo, 99)),
      row(
        'gitops loop: opsbot added after Argo CD healthy, p99',
        percentile(added, 99),
        'ms',
        1000,
        "baseline is the target (1 s); includes waiting for the workloads' own rollout to complete",
      ),
    ];
  } finally {
    watch.abort();
    await app.delete();
    await redis.close();
  }
}
