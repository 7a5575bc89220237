/**
 * `pin: digest` from the outside: `opsbot console --exec '/deploy …'` against a real bare
 * repository, the test environment's registry (images pushed with crane, credentials from the
 * DOCKER_CONFIG crane logged into, TLS trusted through NODE_EXTRA_CA_CERTS), and a stand-in
 * registry for the answers the real one does not give (401, 500, garbage). What is asserted is
 * what the outside sees: the commit in the bare repository, and the reply.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { craneFor, type Crane } from '../support/crane.js';
import { startStandInRegistry, type StandInRegistry } from '../support/oci-registry.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { testenv, titled } from '../support/testenv.js';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';

const env = testenv();
const id = randomBytes(3).toString('hex');
const DIGEST_LINE = /sha256:[0-9a-f]{64}/;

describe.skipIf(!env.registry.available)(
  titled('pin: digest — /deploy resolves the tag in the registry and commits the digest', env.registry),
  () => {
    let redis: TestRedis;
    let repo: BareRepo;
    let crane: Crane;
    let standIn: StandInRegistry;
    let opsbotEnv: NodeJS.ProcessEnv;
    const head = () => git(repo.bare, 'rev-parse', 'main');
    const chat = (line: string) => runOpsbot(['console', '--as', 'alice', '--exec', line], { env: opsbotEnv, timeoutMs: 60_000 });
    const image = (name: string) => `${crane.registry}/images-test/${name}-${id}`;

    beforeAll(async () => {
      [redis, crane, standIn] = await Promise.all([
        startRedis(),
        craneFor(env.registry.env),
        startStandInRegistry({ auth: 'bearer', user: { username: 'robot', password: 'secret-robot-pw' } }),
      ]);
      const web = image('web');
      repo = await createBareRepo({
        'apps/web/staging/kustomization.yaml': `resources:\n  - ../base\nimages:\n  - name: ${web}\n    newTag: "1.4.3"\n`,
        'apps/worker/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: ${image('worker')}:0.9.0\n`,
        'apps/api/values.yaml': `image:\n  repository: ${image('api')}\n  tag: "2025.11.3"\n  digest: ""\n`,
        'apps/odd/kustomization.yaml': `images:\n  - name: ${standIn.host}/example/odd\n    newTag: "1.0.0"\n`,
      });
      const ca = join(tempDir('opsbot-ca-'), 'ca.pem');
      writeFileSync(ca, readFileSync(env.registry.env.REGISTRY_CA ?? '', 'utf8') + readFileSync(standIn.caFile, 'utf8'));
      const config = writeConfig(`gitops: { url: ${repo.bare} }
apps:
  web:
    image: ${web}
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml, pin: digest }
  worker:
    image: ${image('worker')}
    environments:
      prod: { kind: manifest, path: apps/worker/deployment.yaml, container: worker, pin: digest }
  api:
    image: ${image('api')}
    environments:
      prod: { kind: helm-values, path: apps/api/values.yaml, key: image.digest, pin: digest }
  odd:
    image: ${standIn.host}/example/odd
    environments:
      prod: { kind: kustomize, path: apps/odd/kustomization.yaml, pin: digest }
  gone:
    image: 127.0.0.1:1/images-test/gone
    environments:
      prod: { kind: kustomize, path: apps/odd/kustomization.yaml, pin: digest }
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, rollback]
`);
      opsbotEnv = baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        OPSBOT_HOME: join(repo.root, 'home'),
        DOCKER_CONFIG: crane.dockerConfig,
        NODE_EXTRA_CA_CERTS: ca,
      });
    });
    afterAll(async () => {
      await Promise.all([redis?.close(), repo?.cleanup(), standIn?.close()]);
      crane?.cleanup();
    });

    it('kustomize: the digest the registry reports replaces newTag on its line; commit and chat name tag and digest', async () => {
      const digest = await crane.pushRandom(`images-test/web-${id}`, '1.5.0');
      const res = await chat('/deploy web 1.5.0 staging');
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain(`✔ Deployed web in staging: 1.4.3 → 1.5.0 (${digest.slice(0, 19)}…)`);
      expect(res.stdout).toContain(`${image('web')}:1.5.0@${digest}`);
      expect(await git(repo.bare, 'diff', 'main~1', 'main', '--', 'apps/web/staging/kustomization.yaml')).toContain(
        `-    newTag: "1.4.3"\n+    digest: "${digest}"`,
      );
      const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
      expect(message).toContain(`deploy(web): 1.4.3 → ${digest} [staging]`);
      expect(message).toContain(`Tag: 1.5.0\nImage: ${image('web')}:1.5.0@${digest}`);
      expect(await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tapps/web/staging/kustomization.yaml');
    });

    it('a moved tag is deployed as its new digest; the same tag again is "already at"', async () => {
      const moved = await crane.pushRandom(`images-test/web-${id}`, '1.5.0');
      const res = await chat('/deploy web 1.5.0 staging');
      expect(res.code, res.stdout).toBe(0);
      expect(await git(repo.bare, 'show', 'main:apps/web/staging/kustomization.yaml')).toContain(`digest: "${moved}"`);
      const before = await head();
      const again = await chat('/deploy web 1.5.0 staging');
      expect(again.stdout).toContain('already at 1.5.0 (sha256:');
      expect(await head()).toBe(before);
    });

    it('plain manifest: image@sha256; Helm values: the digest key', async () => {
      const w = await crane.pushRandom(`images-test/worker-${id}`, '1.0.0');
      expect((await chat('/deploy worker 1.0.0')).code).toBe(0);
      expect(await git(repo.bare, 'show', 'main:apps/worker/deployment.yaml')).toMatch(
        new RegExp(`image: ${image('worker').replace(/\./g, '\\.')}@${w}$`, 'm'),
      );
      const a = await crane.pushRandom(`images-test/api-${id}`, '2026.1.0');
      const res = await chat('/deploy api 2026.1.0');
      expect(res.code, res.stdout).toBe(0);
      expect(await git(repo.bare, 'show', 'main:apps/api/values.yaml')).toContain(`  digest: "${a}"`);
    });

    describe('nothing is committed when', () => {
      let before: string;
      beforeAll(async () => {
        before = await head();
      });
      afterAll(async () => {
        expect(await head()).toBe(before);
      });

      it('the tag does not exist: a clear refusal (exit 2)', async () => {
        const res = await chat('/deploy web 7.7.7 staging');
        expect(res.code, res.stdout).toBe(2);
        expect(res.stdout).toContain(`${image('web')}:7.7.7 does not exist`);
        expect(res.stdout).toContain('nothing was changed');
      });

      it('the tag is not the digest given with it: refused, naming both', async () => {
        const real = await crane.digest(`images-test/web-${id}`, '1.5.0');
        const other = `sha256:${'ab'.repeat(32)}`;
        const res = await chat(`/deploy web 1.5.0@${other} staging`);
        expect(res.code, res.stdout).toBe(2);
        expect(res.stdout).toContain(`is ${real} in the registry, not ${other}`);
      });

      it('the registry is down: retried, then a clear failure (exit 1)', async () => {
        const res = await chat('/deploy gone 1.0.0');
        expect(res.code, res.stdout).toBe(1);
        expect(res.stdout).toMatch(/127\.0\.0\.1:1 could not be reached for .* after 4 tries \(ECONNREFUSED/);
      });

      it('the registry refuses: 401 from the token service without credentials (exit 2)', async () => {
        const res = await chat('/deploy odd 1.0.1');
        expect(res.code, res.stdout).toBe(2);
        expect(res.stdout).toContain(`${standIn.host} wants credentials, and DOCKER_CONFIG's config.json has none for it`);
      });

      it('the registry answers 500 every time, or garbage: a failure naming the answer', async () => {
        standIn.answerNext({ status: 500, body: 'down' }, 8);
        const res = await chat('/deploy odd 1.0.1');
        expect(res.code, res.stdout).toBe(1);
        expect(res.stdout).toContain('after 4 tries (HTTP 500)');
      });

      it('a tag or digest that is not valid never reaches the registry', async () => {
        const calls = standIn.calls.length;
        const res = await chat('/deploy odd 1.0@sha256:abc');
        expect(res.code).toBe(2);
        expect(res.stdout).toMatch(/not a valid image tag or digest/);
        expect(standIn.calls.length).toBe(calls);
        expect(res.stdout).not.toMatch(DIGEST_LINE);
      });
    });
  },
);
