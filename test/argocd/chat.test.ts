import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, createApplication, createPod, patchApplicationStatus, titled, writePodStatus } from '../support/testenv.js';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';
import { at, operation, status } from './fixtures.js';
import { eventually as until } from '../support/http.js';
import { createNamespace, deleteNamespace, env as testEnv } from './kube-env.js';

if (!testEnv.kube.available) console.warn(`Argo CD chat tests skipped: ${testEnv.kube.reason}`);

const KUSTOMIZATION =
  'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ghcr.io/example/web\n    newTag: "1.4.3"\n';

/**
 * /status, the deploy follow-up and automated notifications, driven through the CLI against the
 * real kube-apiserver with statuses written by the test. Why hand-written (the real loop's
 * versions: status-loop, gitops-loop and notify-loop.test.ts): a pod with 4 restarts held still,
 * and a Kustomize app whose Application this test owns alone, so the stages and announcements
 * come on cue in a namespace Argo CD's controller does not reconcile.
 */
describe.skipIf(!testEnv.kube.available)(titled('Argo CD in the conversation', testEnv.kube), () => {
  const admin = testEnv.kube.available ? adminKubeConfig() : undefined!;
  let redis: TestRedis;
  let repo: BareRepo;
  let ns: string;
  let appNs: string;
  let env: NodeJS.ProcessEnv;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo({ 'apps/web/staging/kustomization.yaml': KUSTOMIZATION });
    ns = await createNamespace('opsbot-chat');
    appNs = await createNamespace('web');
    const config = writeConfig(`
gitops: { url: ${repo.bare} }
argocd: { namespaces: [${ns}], followTimeout: 60s }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml, application: web-staging, namespace: ${appNs} }
      ghost: { kind: kustomize, path: apps/web/staging/kustomization.yaml, application: no-such-app }
access:
  rules:
    - subjects: ["console:*"]
      actions: [deploy]
notifications:
  routes:
    - triggers: [on-sync-succeeded, on-sync-failed, on-health-degraded]
      to: [console]
`);
    env = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      KUBECONFIG: testEnv.kube.env.OPSBOT_KUBECONFIG ?? testEnv.all.OPSBOT_KUBECONFIG,
      OPSBOT_HOME: join(repo.root, 'home'),
    });
    await createApplication(admin, ns, 'web-staging', { destination: { server: 'https://kubernetes.default.svc', namespace: appNs } });
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: 'a'.repeat(40), op: operation('Succeeded', 'a'.repeat(40), at(0), at(1)), reconciledAt: at(2) }),
    );
    await createPod(admin, appNs, 'web-1', { labels: { 'app.kubernetes.io/instance': 'web-staging' }, image: 'ghcr.io/example/web:1.4.3' });
    await writePodStatus(admin, appNs, 'web-1', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          image: 'ghcr.io/example/web:1.4.3',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await deleteNamespace(ns);
    await deleteNamespace(appNs);
    await redis.close();
    await repo.cleanup();
  });

  it('/status shows sync, revision, health, last operation and pods', async () => {
    const res = await runOpsbot(['console', '--as', 'alice', '--exec', '/status web staging'], { env });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Synced/);
    expect(res.stdout).toMatch(/Healthy/);
    expect(res.stdout).toContain('aaaaaaa');
    expect(res.stdout).toContain('web-1');
    expect(res.stdout).toContain('CrashLoopBackOff');
  });

  it('/status of an Application that does not exist, and without a cluster, is an answer: one line, exit 0, no stack', async () => {
    const missing = await runOpsbot(['console', '--as', 'alice', '--exec', '/status web ghost'], { env });
    expect(missing.code, missing.stdout + missing.stderr).toBe(0);
    expect(missing.stdout).toMatch(new RegExp(`^\\[job \\d+\\] ℹ Argo CD Application ${ns}/no-such-app does not exist$`, 'm'));
    expect(missing.stderr).not.toMatch(/\bat .*\.js:\d+|"stack"/);
    const none = await runOpsbot(['console', '--as', 'alice', '--exec', '/status web staging'], { env: { ...env, KUBECONFIG: '' } });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('not connected to a Kubernetes cluster');
  });

  it('the embedded default knows its cluster side: /status web prod with only KUBECONFIG set', async () => {
    const res = await runOpsbot(['console', '--exec', '/status web prod'], {
      env: baseEnv({ KUBECONFIG: env.KUBECONFIG, OPSBOT_HOME: join(repo.root, 'embedded') }),
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('Argo CD Application argocd/web-prod');
  });

  it('a deploy is followed until Argo CD has synced that commit and it is healthy, then shows the pods', async () => {
    const chat = new OpsbotProcess(['console', '--as', 'alice', '--exec', '/deploy web 1.5.0 staging'], { env });
    procs.push(chat);
    await chat.waitFor(/waiting for Argo CD/, { timeoutMs: 30_000 });
    const sha = await git(repo.bare, 'rev-parse', 'main');
    // Argo CD's controller, as the Application's status shows it: out of sync, syncing, synced, healthy.
    await patchApplicationStatus(admin, ns, 'web-staging', status({ sync: 'OutOfSync', revision: sha, reconciledAt: at(10) }));
    await patchApplicationStatus(admin, ns, 'web-staging', status({ sync: 'OutOfSync', revision: sha, op: operation('Running', sha, at(11)) }));
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: sha, health: 'Progressing', op: operation('Succeeded', sha, at(11), at(13)), reconciledAt: at(14) }),
    );
    await writePodStatus(admin, appNs, 'web-1', {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 4, image: 'ghcr.io/example/web:1.5.0', imageID: '', state: { running: { startedAt: new Date() } } },
      ],
    });
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: sha, health: 'Healthy', op: operation('Succeeded', sha, at(11), at(13)), reconciledAt: at(16) }),
    );
    expect(await chat.exited, chat.stdout + chat.stderr).toBe(0);
    expect(chat.stdout).toContain('✔ Deployed web in staging: 1.4.3 → 1.5.0');
    expect(chat.stdout).toMatch(/committed [\d.]+s → .*healthy/);
    expect(chat.stdout).toContain('web:1.5.0');
  }, 90_000);

  it('notifications: the first start is a baseline, each operation is announced once, across a restart', async () => {
    const reader = new Redis(redis.url);
    const stream = 'opsbot:outbox:console:notifications';
    const announced = async () =>
      (await reader.xrange(stream, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as { key: string; message: { title?: string } });
    const startBot = async () => {
      const bot = new OpsbotProcess(['start', '--no-console'], { env: { ...env, PORT: '0', LOG_LEVEL: 'info' } });
      procs.push(bot);
      await bot.waitFor(/opsbot started/, { stream: 'stderr' });
      return bot;
    };
    let bot = await startBot();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await announced()).toEqual([]); // the current state is the baseline, not news

    const rev = 'c'.repeat(40);
    await patchApplicationStatus(admin, ns, 'web-staging', status({ revision: rev, op: operation('Running', rev, at(30)) }));
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({ revision: rev, op: operation('Succeeded', rev, at(30), at(32)), reconciledAt: at(33) }),
    );
    await until(async () => (await announced()).length >= 1, 'announced', 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await announced()).filter((e) => /succeeded/i.test(JSON.stringify(e.message)))).toHaveLength(1);

    // Down; an operation fails meanwhile; up again: the failure is announced once, nothing repeated.
    await bot.stop();
    const rev2 = 'd'.repeat(40);
    await patchApplicationStatus(
      admin,
      ns,
      'web-staging',
      status({
        sync: 'OutOfSync',
        revision: rev2,
        op: operation('Failed', rev2, at(40), at(41), 'one or more objects failed to apply'),
        reconciledAt: at(42),
      }),
    );
    bot = await startBot();
    await until(async () => (await announced()).some((e) => /failed to apply/.test(JSON.stringify(e.message))), 'failure announced', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const all = await announced();
    expect(all.filter((e) => /failed to apply/.test(JSON.stringify(e.message)))).toHaveLength(1);
    expect(all.filter((e) => /succeeded/i.test(JSON.stringify(e.message)))).toHaveLength(1);
    reader.disconnect();
  }, 90_000);
});
