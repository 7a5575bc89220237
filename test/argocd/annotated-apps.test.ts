/**
 * Apps declared where the team already declared them (issue 21 item 7): Argo CD Applications
 * carrying argocd-image-updater's annotations, and no app in opsbot.yaml. On the real GitOps
 * loop (Argo CD syncs a kustomize source, kwok runs the pods) and the real registry (tags pushed
 * with crane): /deploy commits the kustomization and is followed, a new tag is proposed, /help
 * lists the app, annotations changed on the cluster take effect without a restart, and every
 * malformed or unusable declaration is refused with its reason while nothing is committed.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message.js';
import { git } from '../gitops/bare-repo.js';
import { createIsolatedApplication, deployment as deploymentOf, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { craneFor, type Crane } from '../support/crane.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, annotateApplication, ARGO, testenv, titled } from '../support/testenv.js';

const env = testenv();
const STREAM = 'opsbot:outbox:console:notifications';
const U = 'argocd-image-updater.argoproj.io/';
const ready = env.argocd.available && env.registry.available;
const part = env.argocd.available ? env.registry : env.argocd;

describe.skipIf(!ready)(titled('apps from argocd-image-updater annotations: deployed, watched, listed; bad ones refused', part), () => {
  let redis: TestRedis;
  let reader: Redis;
  let crane: Crane;
  let web: IsolatedApplication;
  /** The reference organisation's style: plain manifests, `image:latest`, update-strategy digest, no alias. */
  let bot: IsolatedApplication;
  let botEnv: string;
  let botImage: string;
  let opsbot: OpsbotProcess;
  let opsbotEnv: NodeJS.ProcessEnv;
  let image: string;
  /** The environment of `web`: the Application is `web-<id>`. */
  let stage: string;
  const raw: string[] = [];
  const kc = adminKubeConfig();
  const chat = (line: string, as = 'alice') => runOpsbot(['console', '--as', as, '--exec', line], { env: opsbotEnv, timeoutMs: 240_000 });
  const posted = async (): Promise<Message[]> =>
    (await reader.xrange(STREAM, '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as { message: Message }).message);

  /** An Application Argo CD only compares (no sync policy), on web's repository: its annotations are what the test is about. */
  const declare = async (name: string, annotations: Record<string, string>) => {
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...ARGO,
      namespace: web.namespace,
      body: {
        apiVersion: `${ARGO.group}/${ARGO.version}`,
        kind: 'Application',
        metadata: { name, namespace: web.namespace, annotations },
        spec: {
          project: 'default',
          source: { repoURL: web.repoURL, targetRevision: 'main', path: 'web', kustomize: {} },
          destination: { server: env.argocd.env.ARGOCD_CLUSTER_SERVER, namespace: name },
        },
      },
    });
    raw.push(name);
  };

  beforeAll(async () => {
    [redis, crane] = await Promise.all([startRedis(), craneFor(env.registry.env)]);
    reader = new Redis(redis.url);
    const repoPath = `annotated/web-${Date.now().toString(36)}`;
    image = `${crane.registry}/${repoPath}`;
    botImage = `${crane.registry}/${repoPath}-ref/bot`;
    await crane.pushRandom(repoPath, '1.0.0');
    await crane.pushRandom(`${repoPath}-ref/bot`, 'latest');
    web = await createIsolatedApplication({
      prefix: 'web',
      path: 'web',
      files: {
        'web/kustomization.yaml': `resources:\n  - deployment.yaml\nimages:\n  - name: ${image}\n    newTag: "1.0.0"\n`,
        // Multi-document, a Redis beside the app, as in the reference organisation's folders.
        'bot/src/deployment.yaml': `${deploymentOf({ name: 'redis', image: 'redis:7' })}---\n${deploymentOf({ name: 'bot', image: `${botImage}:latest` })}`,
        'web/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: ${image}:1.0.0\n`,
      },
      annotations: {
        [`${U}image-list`]: `web=${image}:~1.0`,
        [`${U}web.update-strategy`]: 'semver',
        [`${U}write-back-method`]: 'git',
        [`${U}write-back-target`]: 'kustomization',
        [`${U}git-branch`]: 'main',
      },
    });
    stage = web.name.slice('web-'.length);
    bot = await createIsolatedApplication({
      prefix: 'bot',
      path: 'bot',
      repo: web.repo,
      files: {},
      directory: { recurse: true },
      annotations: { [`${U}image-list`]: `${botImage}:latest`, [`${U}update-strategy`]: 'digest', [`${U}write-back-method`]: 'git' },
    });
    botEnv = bot.name.slice('bot-'.length);
    const suffix = stage;
    // The bad input the issue names, each on an Application of its own.
    await declare(`malformed-${suffix}`, { [`${U}image-list`]: 'a,,=,b=ghcr.io/x/$(reboot)', [`${U}write-back-method`]: 'git' });
    await declare(`strategy-${suffix}`, {
      [`${U}image-list`]: `strat=${image}`,
      [`${U}strat.update-strategy`]: 'newest',
      [`${U}write-back-method`]: 'git',
    });
    await declare(`traversal-${suffix}`, { [`${U}image-list`]: `../../etc=${image}`, [`${U}write-back-method`]: 'git' });
    await declare(`shell-${suffix}`, { [`${U}image-list`]: `shell=${image};rm -rf /`, [`${U}write-back-method`]: 'git' });
    await declare(`params-${suffix}`, { [`${U}image-list`]: `params=${image}` });
    await declare(`shadow-${suffix}`, { [`${U}image-list`]: `shadow=${image}`, [`${U}write-back-method`]: 'git' });
    const synced = (a: IsolatedApplication) =>
      a.waitFor('Synced and Healthy', (x) => x.status?.sync?.status === 'Synced' && x.status.health?.status === 'Healthy', 90_000);
    await Promise.all([synced(web), synced(bot)]);

    const config = writeConfig(`
gitops: { url: ${web.repo.bare} }
argocd: { namespaces: [${web.namespace}], followTimeout: 3m, imageUpdater: { interval: 1s } }
apps:
  shadow:
    image: ghcr.io/example/shadow
    environments:
      prod: { kind: kustomize, path: web/kustomization.yaml }
access:
  rules:
    - { subjects: ["console:alice"], actions: [deploy, status], apps: [web, bot, params, strat, shadow] }
`);
    opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      OPSBOT_HOME: tempDir('opsbot-annotated-'),
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
      DOCKER_CONFIG: crane.dockerConfig,
      NODE_EXTRA_CA_CERTS: env.registry.env.REGISTRY_CA,
    });
    opsbot = new OpsbotProcess(['start', '--no-console'], { env: { ...opsbotEnv, PORT: '0', LOG_LEVEL: 'info' } });
    await opsbot.waitFor(/registry watch: apps from annotations watched/, { stream: 'stderr', timeoutMs: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await opsbot?.stop('SIGKILL');
    const api = kc.makeApiClient(CustomObjectsApi);
    await Promise.all(raw.map((name) => api.deleteNamespacedCustomObject({ ...ARGO, namespace: web.namespace, name }).catch(() => undefined)));
    await bot?.delete();
    await web?.delete();
    reader?.disconnect();
    await redis?.close();
    crane?.cleanup();
  });

  it('/help lists the app, marked as coming from annotations, and what is declared but refused, with why', async () => {
    const r = await chat('/help');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`web \\(annotations on ${web.namespace}/${web.name}\\) +${stage} +deploy, status`));
    expect(r.stdout).toMatch(new RegExp(`bot \\(annotations on ${web.namespace}/${bot.name}\\) +${botEnv} +deploy, status`));
    expect(r.stdout).toContain('Declared by argocd-image-updater annotations, not deployable through opsbot:');
    expect(r.stdout).toContain(`params (declared on Application ${web.namespace}/params-${stage}): its write-back-method is argocd (the default)`);
  });

  it('/deploy of an app declared only by annotations commits the kustomization and is followed until Argo CD runs it', async () => {
    const before = (await web.repo.log('main')).length;
    const r = await chat(`/deploy web 1.0.1 ${stage}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Deployed web in ${stage}: 1.0.0 → 1.0.1`);
    const head = await web.head();
    expect(r.stdout).toContain(`runs ${head.slice(0, 7)}: synced and healthy`);
    expect(await web.repo.log('main')).toHaveLength(before + 1);
    expect(await web.repo.show('web/kustomization.yaml')).toContain('newTag: "1.0.1"');
  });

  it("plain manifests, image:latest, digest (the reference organisation's style): /deploy writes the digest into the container's line and is followed", async () => {
    const digest = await crane.digest(botImage.slice(crane.registry.length + 1), 'latest');
    const r = await chat(`/deploy bot latest ${botEnv}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Deployed bot in ${botEnv}: latest → latest (${digest.slice(0, 19)}…)`);
    expect(r.stdout).toContain(`runs ${(await web.head()).slice(0, 7)}: synced and healthy`);
    const file = await web.repo.show('bot/src/deployment.yaml');
    expect(file).toContain(`image: ${botImage}@${digest}`);
    expect(file).toContain('image: redis:7');
    expect(await git(web.repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tbot/src/deployment.yaml');
  });

  it('a new tag pushed with crane is proposed in chat, once', async () => {
    await crane.pushRandom(image.slice(crane.registry.length + 1), '1.0.2');
    await crane.pushRandom(image.slice(crane.registry.length + 1), '1.1.0'); // outside ~1.0
    await eventually(async () => (await posted()).some((m) => m.title === `web 1.0.2 is available for ${stage}`), 'the proposal', 20_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await posted()).filter((m) => m.title?.startsWith('web '))).toHaveLength(1);
  });

  it('bad input: each refused with its reason in the log and in chat, nothing committed; the rest still works', async () => {
    const head = await web.head();
    expect(opsbot.stderr).toContain(`malformed-${stage}: image-list entry \\"=\\": the alias must be letters`);
    expect(opsbot.stderr).toContain(`traversal-${stage}: image-list entry \\"../../etc=`);
    expect(opsbot.stderr).toContain(`shell-${stage}: image-list entry`);
    expect(opsbot.stderr).toContain(
      'not watched: update-strategy \\"newest\\" is not one of semver, newest-build (latest), alphabetical (name), digest',
    );

    const argocd = await chat(`/deploy params 1.0.1`);
    expect(argocd.code).not.toBe(0);
    expect(argocd.stdout + argocd.stderr).toContain(
      `Not deployable through opsbot: params (declared on Application ${web.namespace}/params-${stage}): its write-back-method is argocd (the default): argocd-image-updater sets Argo CD parameters for it, while opsbot deploys by committing to git.`,
    );
    const traversal = await chat(`/deploy ../../etc 1.0.1`);
    expect(traversal.code).not.toBe(0);
    expect(await web.head()).toBe(head);
    // Access rules hold for declared apps as for configured ones.
    const bob = await chat(`/deploy web 1.0.2 ${stage}`, 'bob');
    expect(bob.code).not.toBe(0);
    expect(bob.stdout + bob.stderr).toContain('console:bob may not deploy');
    expect(await web.head()).toBe(head);
  });

  it('opsbot.yaml wins over annotations declaring an app it defines, and says so', async () => {
    expect(opsbot.stderr).toContain('shadow is defined in opsbot.yaml: its argocd-image-updater annotations are not used (opsbot.yaml wins)');
    const r = await chat('/help');
    expect(r.stdout).toMatch(/\bshadow +prod +deploy, status/);
    expect(r.stdout).not.toContain(`shadow (annotations on`);
  });

  it('annotations changed on the cluster take effect without a restart', async () => {
    await annotateApplication(kc, web.namespace, `params-${stage}`, { [`${U}write-back-method`]: 'git' });
    await eventually(
      async () => (await chat('/help')).stdout.includes(`params (annotations on ${web.namespace}/params-${stage})`),
      'params listed',
      30_000,
    );
    // Its registry watch starts too (semver, no constraint: the highest release), without a restart.
    await eventually(async () => new RegExp(`"watches":\\[[^\\]]*"params@${stage}"`).test(opsbot.stderr), 'the watch of params', 15_000);
    await annotateApplication(kc, web.namespace, `params-${stage}`, { [`${U}image-list`]: null });
    await eventually(async () => !(await chat('/help')).stdout.includes('params'), 'params gone', 30_000);
  });
});
