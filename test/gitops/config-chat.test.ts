/**
 * `/config` from the console, end to end: real Redis, real git, the opsbot CLI. What is checked
 * is what the outside sees — the commits in the bare repository, the replies, the queue in Redis.
 * The repository holds the example content of gitops/ and copies of the reference organisation's
 * kind of manifests (a multi-document file whose init container comes before the main one, a
 * ConfigMap beside its Deployment, a kustomize configMapGenerator).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, ROOT, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, exampleFiles, git, type BareRepo } from './bare-repo.js';

const fixture = (name: string) => readFileSync(join(ROOT, 'src/gitops/editors/fixtures', name), 'utf8');

const APPS = `
apps:
  worker:
    image: ghcr.io/example/worker
    environments:
      prod:
        kind: manifest
        path: apps/worker/deployment.yaml
        container: worker
        config: { kind: env, path: apps/worker/deployment.yaml, container: worker }
  api:
    image: ghcr.io/example/api
    environments:
      prod:
        kind: helm-values
        path: apps/api/values.yaml
        config: { kind: helm-values, path: apps/api/values.yaml, prefix: env }
  backend:
    image: ghcr.io/example-org/backend
    environments:
      prod:
        kind: manifest
        path: apps/backend/deployment.yaml
        container: backend
        config: { kind: env, path: apps/backend/deployment.yaml, container: backend }
  cache:
    image: ghcr.io/example-org/cache
    environments:
      prod:
        kind: manifest
        path: apps/cache/cache.yaml
        container: cache
        config: { kind: configmap, path: apps/cache/cache.yaml, restart: { path: apps/cache/cache.yaml, workload: cache } }
  reports:
    image: ghcr.io/example-org/reports
    environments:
      staging:
        kind: kustomize
        path: apps/reports/overlays/staging/kustomization.yaml
        config: { kind: kustomize-literals, path: apps/reports/overlays/staging/kustomization.yaml, name: reports-config }
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/overlays/staging/kustomization.yaml }
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, config]
    - subjects: ["console:bob"]
      actions: [deploy]
`;

describe('/config from the console', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let client: Redis;
  let repo: BareRepo;
  let env: NodeJS.ProcessEnv;
  const head = () => git(repo.bare, 'rev-parse', 'main');

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    repo = await createBareRepo({
      ...exampleFiles(),
      'apps/backend/deployment.yaml': fixture('config-backend-multidoc.yaml'),
      'apps/cache/cache.yaml': fixture('config-configmap.yaml'),
      'apps/reports/overlays/staging/kustomization.yaml': fixture('config-kustomization.yaml'),
    });
    const config = writeConfig(`gitops: { url: ${repo.bare} }\n${APPS}`);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: join(repo.root, 'home') });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
    await repo.cleanup();
  });

  const chat = (line: string, as = 'alice') => runOpsbot(['console', '--as', as, '--exec', line], { env, timeoutMs: 60_000 });
  const numstat = () => git(repo.bare, 'diff', '--numstat', 'main~1', 'main');
  const diffLines = async () =>
    (await git(repo.bare, 'diff', '--unified=0', 'main~1', 'main'))
      .split('\n')
      .filter((l) => /^[-+](?![-+]{2} )/.test(l));

  it('lists keys and values; a Secret reference is never shown, not even its name', async () => {
    const worker = await chat('/config worker');
    expect(worker.code, worker.stdout + worker.stderr).toBe(0);
    expect(worker.stdout).toMatch(/Configuration of worker in prod \(1 key\)/);
    expect(worker.stdout).toMatch(/LOG_LEVEL +info/);
    expect(worker.stdout).toContain('envFrom: ConfigMap worker-config');
    const backend = await chat('/config backend');
    expect(backend.code).toBe(0);
    expect(backend.stdout).toMatch(/DB_PASSWORD +← a Secret \(not shown\)/);
    expect(backend.stdout).toMatch(/POD_NAME +← field metadata\.name/);
    expect(backend.stdout).toContain('envFrom: Secret backend-kv-secrets (values not shown)');
    expect(backend.stdout).not.toMatch(/backend-db|password\b|secretKeyRef/);
  });

  it('set on the example worker: one commit, one changed line, the person in the trailer', async () => {
    const res = await chat('/config worker set LOG_LEVEL=debug');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('✔ Configured worker in prod: set LOG_LEVEL');
    expect(res.stdout).toContain('The pod template changed');
    expect(await numstat()).toBe('1\t1\tapps/worker/deployment.yaml');
    expect(await diffLines()).toEqual(['-              value: info', '+              value: debug']);
    const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(message).toMatch(/^config\(worker\): set LOG_LEVEL \[prod\]\n\nLOG_LEVEL: info → debug\n\nRequested-by: alice \(console:alice\)\nOpsbot-Job: \d+-[0-9a-f]{8}\n*$/);
  });

  it('the reference kind of manifest: the main container after the init container, one line per key, comments kept', async () => {
    const res = await chat('/config backend set LOG_LEVEL=debug WORKERS=8');
    expect(res.code, res.stdout).toBe(0);
    expect(await numstat()).toBe('2\t2\tapps/backend/deployment.yaml');
    expect(await diffLines()).toEqual([
      '-              value: "info" # lowered after the incident',
      '+              value: "debug" # lowered after the incident',
      '-              value: "4"',
      '+              value: "8"',
    ]);
    const file = await repo.show('apps/backend/deployment.yaml');
    expect(file).toContain('          env:\n            - name: LOG_LEVEL\n              value: warn\n'); // the init container's
    const added = await chat('/config backend set CACHE_TTL=300 unset FEATURE_X');
    expect(added.code, added.stdout).toBe(0);
    expect(await diffLines()).toEqual(["-            - name: FEATURE_X", "-              value: 'on'", '+            - name: CACHE_TTL', '+              value: "300"']);
  });

  it('Helm values under a prefix and kustomize literals: one line per key', async () => {
    expect((await chat('/config api set LOG_LEVEL=warn')).code).toBe(0);
    expect(await diffLines()).toEqual(['-  LOG_LEVEL: info', '+  LOG_LEVEL: warn']);
    expect((await chat('/config reports set LOG_LEVEL=debug')).code).toBe(0);
    expect(await diffLines()).toEqual(['-      - LOG_LEVEL=info   # default', '+      - LOG_LEVEL=debug   # default']);
  });

  it('a ConfigMap change says it restarts nothing and offers --restart, which bumps the pod template as kubectl rollout restart does', async () => {
    const res = await chat('/config cache set TTL=600');
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('A ConfigMap change alone does not restart pods');
    expect(res.stdout).toContain('/config cache prod --restart');
    expect(res.stdout).toContain('[Restart pods: config cache prod --restart]');
    expect(await diffLines()).toEqual(['-  TTL: "300"', '+  TTL: "600"']);
    const restart = await chat('/config cache prod --restart');
    expect(restart.code, restart.stdout).toBe(0);
    expect(restart.stdout).toContain('Restarting Deployment/cache');
    const lines = await diffLines();
    expect(lines).toEqual(['+      annotations:', expect.stringMatching(/^\+ {8}kubectl\.kubernetes\.io\/restartedAt: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/)]);
    expect(await git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('config(cache): restart Deployment/cache [prod]');
  });

  it('/config and /deploy on one app at once: both land, neither is lost', async () => {
    const before = (await repo.log()).length;
    const [config, deploy] = await Promise.all([chat('/config worker set LOG_LEVEL=warn'), chat('/deploy worker 9.9.9')]);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect((await repo.log()).length - before).toBe(2);
    const file = await repo.show('apps/worker/deployment.yaml');
    expect(file).toContain('image: ghcr.io/example/worker:9.9.9');
    expect(file).toMatch(/- name: LOG_LEVEL\n +value: warn/);
  });

  describe('bad input: a clear reply, nothing queued, nothing committed', () => {
    let before: string;
    let jobs: number;
    const queued = async () => Number((await client.get('opsbot:config:id')) ?? 0) + Number((await client.get('opsbot:config-list:id')) ?? 0);
    beforeEach(async () => {
      before = await head();
      jobs = await queued();
    });

    it.each([
      ['/config worker set DB_PASSWORD=hunter2', 'DB_PASSWORD looks like a secret. Secrets do not go into the GitOps repository'],
      ['/config worker set API_TOKEN=x', 'API_TOKEN looks like a secret'],
      ['/config worker set STRIPE_SECRET=x', 'STRIPE_SECRET looks like a secret'],
      ['/config worker set SIGNING_KEY=x', 'SIGNING_KEY looks like a secret'],
      ['/config worker set 1ST=x', '"1ST" is not a valid configuration key'],
      ['/config worker set "LOG LEVEL=x"', '"LOG LEVEL" is not a valid configuration key'],
      ['/config worker set LOG_LEVEL', 'set takes KEY=VALUE'],
      ['/config worker set', 'set needs at least one KEY=VALUE'],
      ['/config worker unset LOG_LEVEL=x', 'unset takes key names only'],
      ['/config worker set A=1 A=2', 'A is named twice'],
      ['/config worker set A=\u0007', 'Control characters are not accepted'],
      [`/config worker set A=${'x'.repeat(199)}`, 'at most 200 are accepted'],
      ['/config worker set A=$(id)', 'contains "$"'],
      ['/config worker --restart', '--restart does not apply to worker@prod'],
      ['/config worker frobnicate', 'worker has no environment "frobnicate"'],
      ['/config nope', 'Unknown app "nope"'],
      ['/config web staging set A=1', 'web@staging does not say where its configuration lives'],
    ])('%j', async (line, reply) => {
      const res = await chat(line);
      expect(res.code, res.stdout + res.stderr).toBe(2);
      expect(res.stdout).toContain(reply);
      expect(res.stdout).not.toContain('hunter2');
      expect(await head()).toBe(before);
      expect(await queued()).toBe(jobs);
    });

    it('someone without the config action is denied', async () => {
      const res = await chat('/config worker set LOG_LEVEL=info', 'bob');
      expect(res.code).toBe(2);
      expect(res.stdout).toContain('Denied: console:bob may not config on app worker, environment prod');
      expect(await head()).toBe(before);
      expect(await queued()).toBe(jobs);
    });

    it('a valueFrom entry is refused by the job with the reason; nothing committed', async () => {
      const res = await chat('/config backend set POD_NAME=x');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain('POD_NAME is not written in the file: its value comes from field metadata.name (valueFrom)');
      expect(await head()).toBe(before);
    });
  });
});
