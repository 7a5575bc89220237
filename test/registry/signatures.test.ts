/**
 * Verified signatures from the outside (issue 21 item 6): `opsbot console --exec '/deploy …'`
 * against a real bare repository and the test environment's registry, images pushed with crane
 * and signed with the real cosign (`--tlog-upload=false`), verified by opsbot running the same
 * cosign. What is asserted is what a user sees: the reply, the commit (or that the branch did
 * not move), the audit entry.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { cosignFor, type Cosign, type KeyPair } from '../support/cosign.js';
import { craneFor, type Crane } from '../support/crane.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { testenv, titled } from '../support/testenv.js';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';

const env = testenv();
const id = randomBytes(3).toString('hex');
const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}/;

/** opsbot with the registry login crane made, its CA trusted, and the environment's cosign. */
const opsbotEnvFor = (redis: TestRedis, repo: BareRepo, crane: Crane, config: string) =>
  baseEnv({
    REDIS_URL: redis.url,
    OPSBOT_CONFIG: config,
    OPSBOT_HOME: join(repo.root, 'home'),
    DOCKER_CONFIG: crane.dockerConfig,
    NODE_EXTRA_CA_CERTS: env.cosign.env.REGISTRY_CA,
    OPSBOT_COSIGN: env.cosign.env.COSIGN,
  });

describe.skipIf(!env.cosign.available)(titled('verify.cosign — a deploy is committed only for a signed digest', env.cosign), () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let crane: Crane;
  let cosign: Cosign;
  let trusted: KeyPair;
  let other: KeyPair;
  let opsbotEnv: NodeJS.ProcessEnv;
  let client: Redis | undefined;
  const head = () => git(repo.bare, 'rev-parse', 'main');
  const run = (line: string, e: NodeJS.ProcessEnv = opsbotEnv) =>
    runOpsbot(['console', '--as', 'alice', '--exec', line], { env: e, timeoutMs: 90_000 });
  const repoOf = (name: string) => `signed-test/${name}-${id}`;
  const image = (name: string) => `${crane.registry}/${repoOf(name)}`;
  /** Digests deployed to web staging, for the rollbacks. */
  const deployed: Record<string, string> = {};
  const audited = async (what: string) =>
    (await (client ??= new Redis(redis.url)).xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' ')).filter((e) => e.includes(what));

  /** Pushes a random image as `repo:tag`, signed with `key` unless it is null; returns its digest. */
  const push = async (name: string, tag: string, key: KeyPair | null) => {
    const digest = await crane.pushRandom(repoOf(name), tag);
    if (key) await cosign.sign(repoOf(name), digest, key);
    return digest;
  };

  beforeAll(async () => {
    [redis, crane] = await Promise.all([startRedis(), craneFor(env.cosign.env)]);
    cosign = cosignFor(env.cosign.env, crane);
    [trusted, other] = await Promise.all([cosign.keyPair(), cosign.keyPair()]);
    repo = await createBareRepo({
      'apps/web/staging/kustomization.yaml': `images:\n  - name: ${image('web')}\n    newTag: "0.9.0"\n`,
      'apps/web/dev/kustomization.yaml': `images:\n  - name: ${image('web')}\n    newTag: "0.9.0"\n`,
      'apps/bots/kustomization.yaml': `images:\n  - name: ${image('bot')}\n    newTag: "0.1.0"\n`,
      'apps/bots/prod.yaml': `images:\n  - name: ${image('bot')}\n    newTag: "0.1.0"\n`,
      'apps/gone/kustomization.yaml': `images:\n  - name: 127.0.0.1:1/signed-test/gone\n    newTag: "1.0.0"\n`,
    });
    const dir = tempDir('opsbot-signed-');
    // The key sits beside the config, named relative to it.
    writeFileSync(join(dir, 'web.pub'), readFileSync(trusted.publicKey));
    const config = join(dir, 'opsbot.yaml');
    writeFileSync(
      config,
      `gitops: { url: ${repo.bare} }
apps:
  web:
    image: ${image('web')}
    verify: { cosign: { key: web.pub } }
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml, pin: digest }
      dev: { kind: kustomize, path: apps/web/dev/kustomization.yaml, pin: digest, verify: { cosign: { key: ${other.publicKey} } } }
  bot-mat:
    image: ${image('bot')}
    verify: { cosign: { key: web.pub } }
    environments:
      prod: { kind: kustomize, path: apps/bots/kustomization.yaml, pin: digest }
  bot-prod:
    image: ${image('bot')}
    verify: { cosign: { key: web.pub } }
    environments:
      prod: { kind: kustomize, path: apps/bots/prod.yaml, pin: digest }
  gone:
    image: 127.0.0.1:1/signed-test/gone
    verify: { cosign: { key: web.pub } }
    environments:
      prod: { kind: kustomize, path: apps/gone/kustomization.yaml, pin: digest }
appGroups:
  bots: [bot-mat, bot-prod]
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, rollback]
`,
    );
    opsbotEnv = opsbotEnvFor(redis, repo, crane, config);
  }, 120_000);
  afterAll(async () => {
    client?.disconnect();
    await Promise.all([redis?.close(), repo?.cleanup()]);
    crane?.cleanup();
  });

  it('signed with the configured key: deployed; reply, commit message and audit name the key', async () => {
    const digest = await push('web', '1.0.0', trusted);
    deployed['1.0.0'] = digest;
    const res = await run('/deploy web 1.0.0 staging');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain(`✔ Deployed web in staging: 0.9.0 → 1.0.0 (${digest.slice(0, 19)}…)`);
    const key = new RegExp(`Signature: verified by cosign with key (${FINGERPRINT.source}) \\(web\\.pub\\)`).exec(res.stdout)?.[1];
    expect(key, res.stdout).toBeDefined();
    const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(message).toContain(`Image: ${image('web')}:1.0.0@${digest}`);
    expect(message).toContain(`Signature: verified by cosign with key ${key} (web.pub)`);
    expect(await git(repo.bare, 'show', 'main:apps/web/staging/kustomization.yaml')).toContain(`digest: "${digest}"`);
    const entries = await audited('job.deploy');
    expect(entries.find((e) => e.includes('succeeded') && e.includes(digest) && e.includes(key!))).toBeDefined();
  });

  it('a group: one image signed once, one commit naming the signature of each app', async () => {
    const digest = await push('bot', '2.0.0', trusted);
    const res = await run('/deploy bots 2.0.0 prod');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/bot-mat: 0\.1\.0 → 2\.0\.0 \(sha256:[0-9a-f]{12}…\) \(signature verified, key SHA256:/);
    const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(message).toMatch(/Signatures:\nbot-mat: verified by cosign with key SHA256:\S+ \(web\.pub\)\nbot-prod: verified by cosign/);
    expect(await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tapps/bots/kustomization.yaml\n1\t1\tapps/bots/prod.yaml');
    expect(await git(repo.bare, 'show', 'main:apps/bots/prod.yaml')).toContain(digest);
  });

  it('a rollback is checked too: back to a signed digest is deployed, with its signature', async () => {
    deployed['1.1.0'] = await push('web', '1.1.0', trusted);
    expect((await run('/deploy web 1.1.0 staging')).code).toBe(0);
    const back = await run('/rollback web staging');
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toContain('Rolled back web in staging');
    expect(back.stdout).toMatch(/Signature: verified by cosign with key SHA256:/);
    expect(await git(repo.bare, 'show', 'main:apps/web/staging/kustomization.yaml')).toContain(`digest: "${deployed['1.0.0']}"`);
  });

  it("cosign reads the registry login as opsbot does: the auths of DOCKER_CONFIG's config.json, never a credential helper", async () => {
    const digest = await push('web', '1.2.0', trusted);
    const docker = tempDir('opsbot-docker-');
    const config = JSON.parse(readFileSync(join(crane.dockerConfig, 'config.json'), 'utf8')) as Record<string, unknown>;
    // A helper that does not exist: run, it would fail the check.
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ ...config, credsStore: 'opsbot-test-missing-helper' }));
    const res = await run(`/deploy web ${digest} staging`, { ...opsbotEnv, DOCKER_CONFIG: docker });
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toMatch(/Signature: verified by cosign with key SHA256:/);
  });

  describe('refused, nothing committed, when', () => {
    let before: string;
    beforeAll(async () => {
      before = await head();
    });
    afterAll(async () => {
      expect(await head()).toBe(before);
    });

    it('the image is not signed', async () => {
      const digest = await push('web', '2.0.0-unsigned', null);
      const res = await run('/deploy web 2.0.0-unsigned staging');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain(`${image('web')}@${digest} has no cosign signature in ${crane.registry}`);
      expect(res.stdout).toMatch(/a signature by key SHA256:\S+ \(.*web\.pub\) is required\. Refused: nothing was committed\./);
      expect(await head()).toBe(before);
      expect((await audited('job.deploy')).find((e) => e.includes('refused') && e.includes('has no cosign signature'))).toBeDefined();
    });

    it('the image is signed with another key', async () => {
      const digest = await push('web', '2.0.1', other);
      const res = await run('/deploy web 2.0.1 staging');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain(`${image('web')}@${digest} is signed, but no signature verifies with key`);
      expect(res.stdout).toContain('Refused: nothing was committed.');
    });

    it("an environment's own key replaces the app's: the app's key does not vouch for dev", async () => {
      await push('web', '2.0.2', trusted);
      const res = await run('/deploy web 2.0.2 dev');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain('is signed, but no signature verifies with key');
      expect(res.stdout).toContain(`(${other.publicKey})`);
    });

    it('one member of a group is unsigned: the group is refused as a whole', async () => {
      await push('bot', '3.0.0', null);
      const res = await run('/deploy bots 3.0.0 prod');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain('bot-mat: ');
      expect(res.stdout).toContain('has no cosign signature');
      expect(res.stdout).toContain('a group deploy changes every app or none');
    });

    it('a rollback to an image whose signature no longer verifies (the key was rotated)', async () => {
      // The same repository, with the app's key replaced: what was deployed under the old key is refused on the way back.
      const rotated = writeConfig(
        readFileSync(opsbotEnv.OPSBOT_CONFIG!, 'utf8').replace(
          /verify: \{ cosign: \{ key: web\.pub \} \}/g,
          `verify: { cosign: { key: ${other.publicKey} } }`,
        ),
      );
      const res = await run(`/rollback web staging --to ${deployed['1.1.0']}`, { ...opsbotEnv, OPSBOT_CONFIG: rotated });
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain('is signed, but no signature verifies with key');
    });

    it('the registry refuses the credentials while the signatures are read (401)', async () => {
      // A bare digest is not resolved: cosign is the first to ask the registry, with a wrong password.
      const digest = await push('web', '2.1.0', trusted);
      const docker = tempDir('opsbot-docker-');
      const auth = Buffer.from(`${env.cosign.env.REGISTRY_USER}:wrong-password`).toString('base64');
      writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { [crane.registry]: { auth } } }));
      const res = await run(`/deploy web ${digest} staging`, { ...opsbotEnv, DOCKER_CONFIG: docker });
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain(`${crane.registry} refused to show the signatures of ${image('web')}@${digest}`);
      expect(res.stdout).toContain('UNAUTHORIZED');
      expect(res.stdout).toContain('Nothing was committed.');
    });

    it('the registry is down: a clear failure', async () => {
      const res = await run(`/deploy gone sha256:${'ab'.repeat(32)}`);
      expect(res.code, res.stdout).toBe(1);
      expect(res.stdout).toContain(
        `127.0.0.1:1 could not be reached to check the signature of 127.0.0.1:1/signed-test/gone@sha256:${'ab'.repeat(32)}`,
      );
      expect(res.stdout).toContain('connection refused');
    });

    it('the worker has no cosign: refused with the reason, never deployed unverified', async () => {
      await push('web', '2.2.0', trusted);
      const res = await run('/deploy web 2.2.0 staging', { ...opsbotEnv, OPSBOT_COSIGN: '/nonexistent/cosign' });
      expect(res.code, res.stdout).toBe(1);
      expect(res.stdout).toContain('must carry a cosign signature, but this worker cannot check one: OPSBOT_COSIGN is "/nonexistent/cosign"');
    });
  });
});

describe.skipIf(!env.cosign.available)(titled('verify.cosign — a registry watch in auto mode deploys only signed images', env.cosign), () => {
  let redis: TestRedis;
  let reader: Redis;
  let repo: BareRepo;
  let crane: Crane;
  let cosign: Cosign;
  let key: KeyPair;
  let bot: OpsbotProcess;
  const file = 'apps/api/kustomization.yaml';
  const repoOf = `signed-watch/api-${id}`;
  const commits = async () => (await git(repo.bare, 'log', '--format=%H', 'main', '--', file)).split('\n').filter(Boolean).length;
  const posted = async (): Promise<Message[]> =>
    (await reader.xrange('opsbot:outbox:console:notifications', '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as { message: Message }).message);
  const said = async (text: string) => (await posted()).some((m) => `${m.title ?? ''} ${m.text ?? ''}`.includes(text));

  beforeAll(async () => {
    [redis, crane] = await Promise.all([startRedis(), craneFor(env.cosign.env)]);
    reader = new Redis(redis.url);
    cosign = cosignFor(env.cosign.env, crane);
    key = await cosign.keyPair();
    // What is in the registry before opsbot starts is the starting point.
    await crane.pushRandom(repoOf, '1.0.0');
    repo = await createBareRepo({ [file]: `images:\n  - name: ${crane.registry}/${repoOf}\n    newTag: "1.0.0"\n` });
    const config = writeConfig(`gitops: { url: ${repo.bare} }
apps:
  api:
    image: ${crane.registry}/${repoOf}
    verify: { cosign: { key: ${key.publicKey} } }
    environments:
      dev: { kind: kustomize, path: ${file}, pin: digest, watch: { tags: "^1", mode: auto, interval: 1s, notify: console } }
access:
  rules:
    - subjects: ["console:registry-watch"]
      actions: [deploy]
`);
    const opsbotEnv = { ...opsbotEnvFor(redis, repo, crane, config), PORT: '0', LOG_LEVEL: 'info' };
    bot = new OpsbotProcess(['start', '--no-console'], { env: opsbotEnv });
    await bot.waitFor(/registry watch started/, { stream: 'stderr', timeoutMs: 60_000 });
    // The first poll takes the starting point (1.0.0): only what is pushed after it is new.
    await eventually(async () => (await reader.get('opsbot:watch:seen:api:dev')) === '1.0.0', 'the first poll', 60_000);
  }, 120_000);
  afterAll(async () => {
    await bot?.stop('SIGKILL');
    reader?.disconnect();
    await Promise.all([redis?.close(), repo?.cleanup()]);
    crane?.cleanup();
  });

  it('an unsigned new tag is refused in chat, nothing committed; a signed one after it is deployed with its signature', async () => {
    const unsigned = await crane.pushRandom(repoOf, '1.1.0');
    await eventually(() => said(`${crane.registry}/${repoOf}@${unsigned} has no cosign signature`), 'the refusal in chat', 45_000);
    expect(await commits()).toBe(1);
    // Signed before the watch can see it: pushed under a tag outside the range, then tagged 1.2.0.
    const signed = await crane.pushRandom(repoOf, 'candidate');
    await cosign.sign(repoOf, signed, key);
    await crane.tag(repoOf, signed, '1.2.0');
    await eventually(async () => (await commits()) === 2, 'the automatic deploy commit', 45_000);
    const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(message).toContain(`Image: ${crane.registry}/${repoOf}:1.2.0@${signed}`);
    expect(message).toMatch(/Signature: verified by cosign with key SHA256:\S+ \(/);
    expect(message).toContain('registry watch');
  });
});

describe('verify.cosign in the configuration', () => {
  const dir = tempDir('opsbot-verify-config-');
  const check = (yaml: string, extra: Record<string, string> = {}) => {
    const file = join(dir, `opsbot-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, yaml);
    return runOpsbot(['check-config', '--config', file], { env: baseEnv({ PATH: process.env.PATH, ...extra }) });
  };
  const app = (verify: string, pin = 'pin: digest') => `gitops: { url: /tmp/x }
apps:
  web:
    image: ghcr.io/example/web
    verify: ${verify}
    environments:
      prod: { kind: kustomize, path: k.yaml, ${pin} }
`;
  // A public key made by node (cosign's own keys are ECDSA P-256 in the same PEM form).
  beforeAll(async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'good.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'garbage.pub'), 'not a key\n');
  });

  it('a key file that does not exist, a private key, or not a key: check-config names the field (exit 2)', async () => {
    for (const [key, said] of [
      ['missing.pub', `${join(dir, 'missing.pub')} does not exist`],
      ['private.pem', 'is a private key: give the public key (cosign.pub)'],
      ['garbage.pub', 'is not a PEM public key'],
    ] as const) {
      const res = await check(app(`{ cosign: { key: ${key} } }`));
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(`apps.web.verify.cosign.key: `);
      expect(res.stderr).toContain(said);
    }
  });

  it('without pin: digest, or with a key reference cosign would read as a KMS URI: refused', async () => {
    const unpinned = await check(app('{ cosign: { key: good.pub } }', 'pin: tag'));
    expect(unpinned.code).toBe(2);
    expect(unpinned.stderr).toContain('apps.web.environments.prod.pin: must be "digest": prod requires verified signatures');
    const kms = await check(app('{ cosign: { key: "awskms://alias/web" } }'));
    expect(kms.code).toBe(2);
    expect(kms.stderr).toContain('apps.web.verify.cosign.key: must be the path of a PEM public key file');
  });

  it('a valid key: check-config passes, and warns when the worker would have no cosign; `worker` refuses to start', async () => {
    const ok = await check(app('{ cosign: { key: good.pub } }'), { OPSBOT_COSIGN: '/nonexistent/cosign' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ {2}verified signatures: 1\n {4}web@prod: cosign key SHA256:[A-Za-z0-9+/]{43} \(good\.pub\)\n/);
    expect(ok.stderr).toContain(
      'opsbot: warning: apps.web require verified signatures (verify.cosign), but OPSBOT_COSIGN is "/nonexistent/cosign", which is not an executable file',
    );
    const file = join(dir, 'worker.yaml');
    writeFileSync(file, app('{ cosign: { key: good.pub } }'));
    const worker = await runOpsbot(['worker', '--config', file], {
      env: baseEnv({ REDIS_URL: 'redis://127.0.0.1:1', OPSBOT_COSIGN: '/nonexistent/cosign' }),
    });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('apps.web require verified signatures (verify.cosign), but OPSBOT_COSIGN is "/nonexistent/cosign"');
  });
});
