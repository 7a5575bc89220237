import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { gitWithPausedPush, wrapperMarker } from '../support/git-wrapper.js';
import { eventually, get } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, exampleFiles, git, type BareRepo } from './bare-repo.js';

const APPS = `
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/overlays/staging/kustomization.yaml }
      prod: { kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml }
  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: apps/api/values.yaml, key: image.tag }
  worker:
    image: ghcr.io/example/worker
    environments:
      prod: { kind: manifest, path: apps/worker/deployment.yaml, container: worker }
  ghost:
    image: ghcr.io/example/ghost
    environments:
      prod: { kind: manifest, path: apps/ghost/deployment.yaml, container: ghost }
  keyless:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: apps/api/values.yaml, key: image.nope }
`;
const ACCESS = `
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, rollback]
    - subjects: ["console:bob"]
      actions: [deploy]
      environments: [staging]
`;

describe('/deploy, /rollback, /history from the console', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let env: NodeJS.ProcessEnv;
  let head: () => Promise<string>;

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo(exampleFiles());
    head = () => git(repo.bare, 'rev-parse', 'main');
    const config = writeConfig(`gitops: { url: ${repo.bare} }\n${APPS}\n${ACCESS}`);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: join(repo.root, 'home') });
  });
  afterAll(async () => {
    await redis.close();
    await repo.cleanup();
  });

  const chat = (line: string, as = 'alice', extra: NodeJS.ProcessEnv = {}) => runOpsbot(['console', '--as', as, '--exec', line], { env: { ...env, ...extra } });

  it('commits exactly one changed line, with the message, author and trailers', async () => {
    const before = await repo.show('apps/web/overlays/staging/kustomization.yaml');
    const res = await chat('/deploy web 1.5.0 staging');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('✔ Deployed web in staging: 1.4.3 → 1.5.0');
    const [, id] = /Queued as job (\d+)/.exec(res.stdout)!;
    const message = await git(repo.bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    expect(message).toMatch(new RegExp(`^opsbot <opsbot@localhost>\\ndeploy\\(web\\): 1\\.4\\.3 → 1\\.5\\.0 \\[staging\\]\\n\\nRequested-by: alice \\(console:alice\\)\\nOpsbot-Job: ${id}-[0-9a-f]{8}`));
    const after = await repo.show('apps/web/overlays/staging/kustomization.yaml');
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    const changed = a.map((line, i) => [line, b[i]]).filter(([x, y]) => x !== y);
    expect(changed).toEqual([['    newTag: "1.4.3"', '    newTag: "1.5.0"']]);
    expect(await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tapps/web/overlays/staging/kustomization.yaml');
  });

  it('says "already at <tag>" and makes no commit when nothing changes', async () => {
    const before = await head();
    const res = await chat('/deploy web 1.5.0 staging');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('already at 1.5.0');
    expect(await head()).toBe(before);
  });

  it('rolls back to the tag before the current one, and /history lists who deployed what', async () => {
    const res = await chat('/rollback web staging');
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('✔ Rolled back web in staging: 1.5.0 → 1.4.3');
    expect(await git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('rollback(web): 1.5.0 → 1.4.3 [staging]');
    const hist = await chat('/history web staging 5', 'carol');
    expect(hist.code).toBe(0);
    expect(hist.stdout).toMatch(/1\.4\.3\s+[0-9a-f]{8}\s+alice \(console:alice\)\s+← current, rollback from 1\.5\.0\n.*1\.5\.0\s+[0-9a-f]{8}\s+alice \(console:alice\)\s+rolled back\n.*1\.4\.3\s+[0-9a-f]{8}\s+ci-bot/);
  });

  it('edits Helm values and plain multi-document manifests, tags and digests', async () => {
    expect((await chat('/deploy api 2.0.1')).stdout).toContain('✔ Deployed api in prod: 2025.11.3 → 2.0.1');
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect((await chat(`/deploy worker ${digest}`)).code).toBe(0);
    expect(await repo.show('apps/worker/deployment.yaml')).toContain(`image: ghcr.io/example/worker@${digest}`);
  });

  describe('bad input leaves no commit behind', () => {
    let before: string;
    beforeEach(async () => {
      before = await head();
    });
    const unchanged = async () => expect(await head()).toBe(before);

    it.each([
      ['/deploy nope 1.0', 'Unknown app "nope". Known apps: web, api, worker, ghost, keyless.'],
      ['/deploy web 1.0 qa', 'web has no environment "qa". Its environments: staging, prod.'],
      ['/deploy web 1.0', 'web has several environments (staging, prod): say which.'],
      ['/deploy web ../x staging', '"../x" is not a valid image tag or digest'],
      ['/deploy web $(id) staging', 'argument 2 contains "$"'],
      ['/deploy web v1;rm staging', 'argument 2 contains ";"'],
      ['/deploy web v1\nrm staging', 'newlines are not accepted'],
      [`/deploy web ${'a'.repeat(200)} staging`, 'is not a valid image tag or digest'],
      [`/deploy web ${'a'.repeat(201)} staging`, 'at most 200 are accepted'],
      ['/deploy web sha256:1234 staging', 'a digest must be "sha256:" followed by 64 lowercase hex characters'],
    ])('%j is refused with a clear reply', async (line, reply) => {
      const res = await chat(line);
      expect(res.code).toBe(2);
      expect(res.stdout).toContain(reply);
      await unchanged();
    });

    it('a file missing from the repository fails the job, naming the file', async () => {
      const res = await chat('/deploy ghost 1.0');
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('apps/ghost/deployment.yaml: not in the GitOps repository');
      await unchanged();
    });

    it('a key path that does not exist fails the job, naming file and key', async () => {
      const res = await chat('/deploy keyless 1.0');
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/apps\/api\/values\.yaml: .*image\.nope/);
      await unchanged();
    });

    it('broken YAML fails the job, naming the file', async () => {
      const broken = await repo.commitAsOther({ 'apps/api/values.yaml': 'image:\n  tag: [unclosed\n' }, 'break values');
      before = broken;
      const res = await chat('/deploy api 9.9.9');
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/apps\/api\/values\.yaml: .*(YAML|yaml)/);
      await unchanged();
    });

    it('a user allowed staging only is denied prod', async () => {
      const res = await chat('/deploy web 2.0.0 prod', 'bob');
      expect(res.code).toBe(2);
      expect(res.stdout).toContain('Denied: console:bob may not deploy on app web, environment prod');
      await unchanged();
      expect((await chat('/deploy web 2.0.0 staging', 'bob')).code).toBe(0);
    });
  });

  it('an unreachable remote fails the job with the git error, credentials redacted', async () => {
    const config = writeConfig(`gitops: { url: "https://127.0.0.1:1/org/gitops.git" }\n${APPS}\n${ACCESS}`);
    const res = await chat('/deploy web 3.0.0 staging', 'alice', { OPSBOT_CONFIG: config, GITHUB_TOKEN: 'ghp_' + 'x'.repeat(36), OPSBOT_HOME: join(repo.root, 'home-unreachable') });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/✖ Failed\n.*(unreachable|could not|connect)/i);
    expect(res.stdout + res.stderr).not.toContain('x'.repeat(36));
  });
});

describe('concurrent deploys through two worker processes', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  const procs: OpsbotProcess[] = [];
  const N = 20;

  beforeAll(async () => {
    redis = await startRedis();
    const files: Record<string, string> = {};
    for (let i = 0; i < N; i++) {
      files[`apps/app${i}/deployment.yaml`] = `# app ${i}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app${i}:1.0.0 # pinned by CI\n`;
    }
    repo = await createBareRepo(files);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
    await repo.cleanup();
  });

  function configFor(n: number): string {
    const apps = Array.from({ length: n }, (_, i) => `  app${i}:\n    image: ghcr.io/example/app${i}\n    environments:\n      prod: { kind: manifest, path: apps/app${i}/deployment.yaml, container: app }`).join('\n');
    return writeConfig(`gitops: { url: ${repo.bare} }\napps:\n${apps}\naccess:\n  rules:\n    - subjects: ["console:*"]\n      actions: [deploy]\n`);
  }

  it(`${N} deploys of different apps at once → exactly ${N} commits, every file at its tag`, async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: configFor(N), LOG_LEVEL: 'info', PORT: '0' });
    for (const w of ['a', 'b']) {
      const p = new OpsbotProcess(['worker'], { env: { ...env, OPSBOT_HOME: join(repo.root, `worker-${w}`) } });
      procs.push(p);
      await p.waitFor(/opsbot started/, { stream: 'stderr' });
    }
    const before = (await repo.log()).length;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => runOpsbot(['console', '--no-workers', '--as', `user${i}`, '--exec', `/deploy app${i} 2.0.${i}`], { env, timeoutMs: 120_000 })),
    );
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await repo.log()).length - before).toBe(N);
    for (let i = 0; i < N; i++) expect(await repo.show(`apps/app${i}/deployment.yaml`)).toContain(`image: ghcr.io/example/app${i}:2.0.${i} # pinned by CI`);
    // both worker processes took part, and between them ran each deploy once
    const done = await Promise.all(
      procs.map(async (p) => {
        const [, address] = await p.waitFor(/"address":"(http:\/\/[^"]+)"/, { stream: 'stderr' });
        const metrics = (await get(`${address}/metrics`)).text;
        return Number(/opsbot_jobs_total\{kind="deploy",state="succeeded"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      }),
    );
    // Which worker takes which job is up to them (a loaded machine may favour one); each deploy
    // ran exactly once between them.
    console.log(`deploys per worker: ${done.join(', ')}`);
    expect(done.reduce((a, b) => a + b, 0)).toBe(N);
  }, 180_000);

  it('an outside push racing a deploy: the deploy is redone on the new head, nothing lost', async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: configFor(N), LOG_LEVEL: 'info', PORT: '0' });
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    const path = gitWithPausedPush({ beforePush: 2 });
    const worker = new OpsbotProcess(['worker'], { env: { ...env, PATH: path, OPSBOT_HOME: join(repo.root, 'worker-race') } });
    procs.push(worker);
    await worker.waitFor(/opsbot started/, { stream: 'stderr' });
    const deploying = runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', '/deploy app3 3.0.0'], { env, timeoutMs: 60_000 });
    await eventually(async () => existsSync(wrapperMarker(path, 'push-waiting')), 'the deploy to reach its push');
    await repo.commitAsOther({ 'README.md': 'a human was here\n' }, 'docs: a human pushes meanwhile');
    const res = await deploying;
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toMatch(/Push attempts: [2-9]/);
    const log = (await repo.log()).map((l) => l.slice(41));
    expect(log.slice(0, 2)).toEqual(['deploy(app3): 2.0.3 → 3.0.0 [prod]', 'docs: a human pushes meanwhile']);
    expect(await repo.show('README.md')).toBe('a human was here\n');
    expect(await repo.show('apps/app3/deployment.yaml')).toContain('app3:3.0.0');
  }, 90_000);

  it('a worker SIGKILLed between push and completion: the retry recognises its commit → one commit', async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: configFor(N), OPSBOT_JOB_LOCK_MS: '2000', LOG_LEVEL: 'info', PORT: '0' });
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    const path = gitWithPausedPush({ afterPush: 60 });
    const doomed = new OpsbotProcess(['worker'], { env: { ...env, PATH: path, OPSBOT_HOME: join(repo.root, 'worker-doomed') } });
    procs.push(doomed);
    await doomed.waitFor(/opsbot started/, { stream: 'stderr' });
    const before = (await repo.log()).length;
    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice', '--exec', '/deploy app7 7.0.0'], { env });
    procs.push(chat);
    await eventually(async () => existsSync(wrapperMarker(path, 'pushed')), 'the commit to reach the remote');
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect((await repo.log()).length).toBe(before + 1);

    const rescuer = new OpsbotProcess(['worker'], { env: { ...env, OPSBOT_HOME: join(repo.root, 'worker-rescuer') } });
    procs.push(rescuer);
    expect(await chat.exited).toBe(0);
    expect(chat.stdout).toContain('had already pushed its commit before it was interrupted');
    expect(chat.stdout.match(/✔ Deployed app7/g)).toHaveLength(1);
    expect((await repo.log()).length).toBe(before + 1);
    expect((await repo.log())[0]?.slice(41)).toBe('deploy(app7): 2.0.7 → 7.0.0 [prod]');
  }, 90_000);
});
