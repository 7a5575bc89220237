/**
 * A group deploy on the real GitOps loop: one image in two apps (the reference organisation's
 * bot-mat and bot-prod), each its own Argo CD Application over one repository. `/deploy bots`
 * makes one commit; Argo CD's controller syncs both Applications by itself, kwok runs the pods,
 * and the chat's answer gives each app's own outcome. Runs serially (npm run test:loop).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedApplication, deployment, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, testenv, titled } from '../support/testenv.js';

const env = testenv();

describe.skipIf(!env.argocd.available)(titled('a group deploy on the real GitOps loop: one commit, a follow-up per app', env.argocd), () => {
  let redis: TestRedis;
  let mat: IsolatedApplication;
  let prod: IsolatedApplication;

  beforeAll(async () => {
    redis = await startRedis();
    mat = await createIsolatedApplication({
      prefix: 'grp-mat',
      path: 'bot-mat',
      files: {
        'bot-mat/deployment.yaml': deployment({ name: 'bot-mat', image: 'ghcr.io/example/bot:1.0.0' }),
        'bot-prod/deployment.yaml': deployment({ name: 'bot-prod', image: 'ghcr.io/example/bot:1.0.0', replicas: 2 }),
      },
    });
    prod = await createIsolatedApplication({ prefix: 'grp-prod', path: 'bot-prod', repo: mat.repo, files: {} });
    const synced = (a: IsolatedApplication) =>
      a.waitFor('Synced and Healthy', (x) => x.status?.sync?.status === 'Synced' && x.status.health?.status === 'Healthy', 90_000);
    await Promise.all([synced(mat), synced(prod)]);
  }, 180_000);
  afterAll(async () => {
    await prod?.delete();
    await mat?.delete();
    await redis?.close();
  });

  it('/deploy bots → one commit → Argo CD syncs both Applications → the chat answers for each app', async () => {
    const config = writeConfig(`
gitops: { url: ${mat.repo.bare} }
argocd: { namespaces: [${mat.namespace}], followTimeout: 4m }
apps:
  bot-mat:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-mat/deployment.yaml, container: bot-mat, application: ${mat.name} }
  bot-prod:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-prod/deployment.yaml, container: bot-prod, application: ${prod.name} }
appGroups:
  bots: [bot-mat, bot-prod]
access:
  rules:
    - { subjects: ["console:*"], actions: [deploy] }
`);
    const opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      OPSBOT_HOME: tempDir('opsbot-group-loop-'),
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
    });
    const before = (await mat.repo.log('main')).length;
    const r = await runOpsbot(['console', '--as', 'alice', '--exec', '/deploy bots 1.0.1 prod'], { env: opsbotEnv, timeoutMs: 270_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const log = await mat.repo.log('main');
    expect(log).toHaveLength(before + 1);
    const head = await mat.head();
    expect(log[0]).toContain('deploy(bot-mat,bot-prod): 1.0.1 [prod]');
    expect(r.stdout).toContain('✔ Deployed bots (bot-mat, bot-prod) in prod: 1.0.1, one commit');
    expect(r.stdout).toContain(`bot-mat: 1.0.0 → 1.0.1 — ${mat.name} runs ${head.slice(0, 7)}: synced and healthy`);
    expect(r.stdout).toContain(`bot-prod: 1.0.0 → 1.0.1 — ${prod.name} runs ${head.slice(0, 7)}: synced and healthy`);
    // Argo CD's own verdicts agree, and kwok runs the new image in each app's namespace.
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    for (const [app, name, replicas] of [
      [mat, 'bot-mat', 1],
      [prod, 'bot-prod', 2],
    ] as const) {
      // Argo CD may re-assess health once more right after its sync; its settled verdict is what must agree.
      await app.waitFor(
        `synced at ${head.slice(0, 7)} and Healthy`,
        (a) => a.status?.sync?.revision === head && a.status.health?.status === 'Healthy',
        60_000,
      );
      const pods = await core.listNamespacedPod({ namespace: app.destination, labelSelector: `app.kubernetes.io/name=${name}` });
      const running = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.image === 'ghcr.io/example/bot:1.0.1');
      expect(running).toHaveLength(replicas);
      for (const p of running) expect(r.stdout).toContain(p.metadata!.name!);
    }
  }, 300_000);
});
