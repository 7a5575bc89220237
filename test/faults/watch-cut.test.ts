import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, createApplication, opsbotKube, opsbotKubeConfig, patchApplicationStatus, titled } from '../support/testenv.js';
import { at, operation, status } from '../argocd/fixtures.js';
import { createNamespace, deleteNamespace, startCutProxy, withServer, type CutProxy } from '../argocd/kube-env.js';

const kube = opsbotKube();
const STREAM = 'opsbot:outbox:console:notifications';

/**
 * Fault: the Kubernetes watch behind Argo CD notifications is cut in the middle of a sync, end
 * to end — a real `opsbot start --no-console` whose least-privilege kubeconfig points at a TCP
 * proxy in front of the real kube-apiserver. The operation finishes while the watch is down;
 * once it is back (resuming from its resourceVersion), the finish is announced exactly once in
 * `opsbot:outbox:console:notifications`, and the "syncing" announcement is not repeated.
 */
describe.skipIf(!kube.available)(titled('fault: the Kubernetes watch cut during a sync (opsbot start)', kube), () => {
  let redis: TestRedis;
  let reader: Redis;
  let proxy: CutProxy;
  let ns: string;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    reader = new Redis(redis.url);
    ns = await createNamespace('opsbot-watchcut');
    proxy = await startCutProxy(opsbotKubeConfig().getCurrentCluster()!.server);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await proxy?.close();
    if (ns) await deleteNamespace(ns);
    reader?.disconnect();
    await redis?.close();
  });

  it('the sync that finished while the watch was down is announced once, nothing twice', async () => {
    const admin = adminKubeConfig();
    const kubeconfig = join(tempDir('opsbot-kubeconfig-'), 'kubeconfig');
    writeFileSync(kubeconfig, withServer(opsbotKubeConfig(), proxy.url).exportConfig(), { mode: 0o600 });
    const config = writeConfig(`
argocd: { namespaces: [${ns}] }
notifications:
  routes:
    - triggers: [on-sync-running, on-sync-succeeded, on-sync-failed]
      to: [console]
`);
    await createApplication(admin, ns, 'web-staging');
    const old = 'a'.repeat(40);
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: old, op: operation('Succeeded', old, at(0), at(1)), reconciledAt: at(2) }),
    );

    const bot = new OpsbotProcess(['start', '--no-console'], {
      env: baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        KUBECONFIG: kubeconfig,
        OPSBOT_HOME: tempDir('opsbot-home-'),
        PORT: '0',
        LOG_LEVEL: 'info',
      }),
    });
    procs.push(bot);
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 30_000 });
    const announced = async () =>
      (await reader.xrange(STREAM, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as { key: string; message: { title?: string } });
    const titles = async () => (await announced()).map((e) => e.message.title ?? '?');
    // The baseline: the operation already there is recorded (opsbot:argocd:notify:…:sent:…  = baseline), not announced.
    await eventually(
      async () => (await reader.keys('opsbot:argocd:notify:*:sent:on-sync-succeeded:*')).length > 0,
      'the baseline to be recorded',
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = await reader.keys('opsbot:argocd:notify:*:sent:*');
    expect(await titles()).toEqual([]);

    const rev = 'c'.repeat(40);
    await patchApplicationStatus(admin, ns, 'web-staging', status({ sync: 'OutOfSync', revision: old, op: operation('Running', rev, at(30)) }));
    await eventually(async () => (await titles()).includes('web-staging is syncing'), 'the "syncing" announcement (the watch is live)', 30_000);

    const errOffset = bot.stderr.length;
    proxy.hold(); // every open connection destroyed, new ones refused: the watch is down
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: rev, op: operation('Succeeded', rev, at(30), at(32)), reconciledAt: at(33) }),
    );
    await new Promise((r) => setTimeout(r, 3000));
    const duringCut = await titles();
    proxy.resume();
    console.log(`baseline: ${baseline.length} key(s) recorded as baseline, nothing announced`);
    console.log(
      `injected: watch connections cut (proxy destroyed them and refused new ones for 3 s) after "syncing" was announced; the operation was patched Succeeded (reconciledAt ${at(33)}) meanwhile; announcements while down: [${duringCut.join(', ')}]`,
    );

    await eventually(async () => (await titles()).includes('web-staging synced'), 'the "synced" announcement after the watch came back', 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // room for a duplicate to show up
    const all = await titles();
    // What the watcher said about the cut: the stream dying, then refused re-watches from the same resourceVersion.
    const failures = bot.stderr
      .slice(errOffset)
      .split('\n')
      .filter((l) => l.includes('E_KUBE_UNREACHABLE'));
    const why = [...new Set(failures.map((l) => /\(([^()]*)\)"/.exec(l)?.[1]?.replace(/request to \S+ failed, reason: /, '') ?? '?'))];
    const resumeFrom = [...new Set(failures.flatMap((l) => /[?&]resourceVersion=(\d+)/.exec(l)?.[1] ?? []))];
    console.log(
      `observed: the watcher logged ${failures.length} E_KUBE_UNREACHABLE warning(s) (${why.join('; ')}), re-watching from resourceVersion ${resumeFrom.join(', ') || '?'}; ${STREAM} holds [${all.join(', ')}]`,
    );

    expect(failures.length, bot.stderr).toBeGreaterThanOrEqual(1); // the watch really went down
    expect(duringCut).toEqual(['web-staging is syncing']);
    expect(all.filter((t) => t === 'web-staging synced')).toHaveLength(1);
    expect(all.filter((t) => t === 'web-staging is syncing')).toHaveLength(1);
    expect(all).toHaveLength(2);
  }, 120_000);
});
