/**
 * Registry watches from the outside: two `opsbot start` processes (the chat-facing replicas)
 * poll the test environment's registry, where the test pushes new tags with crane. What is
 * asserted is what a user sees: the proposals and reports in the console's notification stream,
 * the Deploy button's command run in the console, and the commits in the bare GitOps repository.
 * A stand-in registry gives the answers the real one cannot be made to give (401, 500, garbage).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonCommand } from '../../src/bot/button-command.js';
import type { Button, Message } from '../../src/core/message.js';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { craneFor, type Crane } from '../support/crane.js';
import { eventually } from '../support/http.js';
import { startStandInRegistry, type StandInRegistry } from '../support/oci-registry.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { testenv, titled } from '../support/testenv.js';

const env = testenv();
const id = randomBytes(3).toString('hex');
const STREAM = 'opsbot:outbox:console:notifications';
const INTERVAL_MS = 1000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!env.registry.available)(titled('registry watch — new images proposed or deployed once', env.registry), () => {
  let redis: TestRedis;
  let reader: Redis;
  let repo: BareRepo;
  let crane: Crane;
  let standIn: StandInRegistry;
  let opsbotEnv: NodeJS.ProcessEnv;
  const bots: OpsbotProcess[] = [];
  const repoOf = (name: string) => `watch-test/${name}-${id}`;
  const image = (name: string) => `${crane.registry}/${repoOf(name)}`;
  const chat = (line: string) => runOpsbot(['console', '--as', 'alice', '--exec', line], { env: opsbotEnv, timeoutMs: 60_000 });
  const posted = async (): Promise<Message[]> =>
    (await reader.xrange(STREAM, '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as { message: Message }).message);
  const titled_ = async (prefix: string) => (await posted()).filter((m) => m.title?.startsWith(prefix) || m.text?.startsWith(prefix));
  const startBot = async () => {
    const bot = new OpsbotProcess(['start', '--no-console'], { env: { ...opsbotEnv, PORT: '0', LOG_LEVEL: 'info' } });
    bots.push(bot);
    await bot.waitFor(/registry watch started/, { stream: 'stderr', timeoutMs: 60_000 });
    return bot;
  };
  const commitsTouching = async (path: string) => (await git(repo.bare, 'log', '--format=%H', 'main', '--', path)).split('\n').filter(Boolean).length;

  beforeAll(async () => {
    [redis, crane, standIn] = await Promise.all([
      startRedis(),
      craneFor(env.registry.env),
      startStandInRegistry({ auth: 'bearer', user: { username: 'robot', password: 'secret-robot-pw' } }),
    ]);
    reader = new Redis(redis.url);
    // What is there before opsbot starts is the starting point: never proposed.
    await crane.pushRandom(repoOf('web'), '1.5.0');
    await crane.pushRandom(repoOf('api'), '2.0.0');
    await crane.pushRandom(repoOf('edge'), 'latest');
    await crane.pushRandom(repoOf('lone'), '3.0.0');
    standIn.put('example/odd', '1.0.0');
    repo = await createBareRepo({
      'apps/web/staging/kustomization.yaml': `images:\n  - name: ${image('web')}\n    newTag: "1.5.0"\n`,
      'apps/api/dev/kustomization.yaml': `images:\n  - name: ${image('api')}\n    newTag: "2.0.0"\n`,
      'apps/edge/dev/kustomization.yaml': `images:\n  - name: ${image('edge')}\n    newTag: "latest"\n`,
      'apps/odd/kustomization.yaml': `images:\n  - name: ${standIn.host}/example/odd\n    newTag: "1.0.0"\n`,
      'apps/gone/kustomization.yaml': `images:\n  - name: ${image('gone')}\n    newTag: "1.0.0"\n`,
      'apps/lone/kustomization.yaml': `images:\n  - name: ${image('lone')}\n    newTag: "3.0.0"\n`,
    });
    const ca = join(tempDir('opsbot-ca-'), 'ca.pem');
    writeFileSync(ca, readFileSync(env.registry.env.REGISTRY_CA ?? '', 'utf8') + readFileSync(standIn.caFile, 'utf8'));
    // One line per watched environment: kustomize, its file under apps/<app>/, and its watch.
    const watched = (app: string, imageName: string, envName: string, path: string, watch: string, extra = '') =>
      `  ${app}:\n    image: ${imageName}\n    environments:\n      ${envName}: { kind: kustomize, path: apps/${path}, ${extra}watch: ${watch} }\n`;
    const config = writeConfig(`gitops: { url: ${repo.bare} }
apps:
${watched('web', image('web'), 'staging', 'web/staging/kustomization.yaml', '{ tags: "~1.5.0", interval: 1s }')}\
${watched('api', image('api'), 'dev', 'api/dev/kustomization.yaml', '{ tags: { regex: "^2\\\\.\\\\d+\\\\.\\\\d+$" }, mode: auto, interval: 1s }')}\
${watched('edge', image('edge'), 'dev', 'edge/dev/kustomization.yaml', '{ tags: { digestOf: latest }, mode: auto, interval: 1s }', 'pin: digest, ')}\
${watched('odd', `${standIn.host}/example/odd`, 'prod', 'odd/kustomization.yaml', '{ tags: "*", interval: 1s }')}\
${watched('gone', image('gone'), 'prod', 'gone/kustomization.yaml', '{ tags: "*", interval: 1s }')}\
${watched('lone', image('lone'), 'dev', 'lone/kustomization.yaml', '{ tags: "^3", mode: auto, interval: 1s }')}\
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy]
    # The watch deploys only where a rule lets it, like anyone (not lone: it proposes there).
    - subjects: ["console:registry-watch"]
      actions: [deploy]
      apps: [api, edge]
      environments: [dev]
`);
    opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      OPSBOT_HOME: join(repo.root, 'home'),
      DOCKER_CONFIG: crane.dockerConfig,
      NODE_EXTRA_CA_CERTS: ca,
    });
    // Two chat-facing replicas, as a deployment with replicas: 2 runs them.
    await Promise.all([startBot(), startBot()]);
    await pause(3 * INTERVAL_MS); // a few polls: the starting points are taken
  }, 120_000);
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop('SIGKILL')));
    reader?.disconnect();
    await Promise.all([redis?.close(), repo?.cleanup(), standIn?.close()]);
    crane?.cleanup();
  });

  it('what was in the registry at the start is not proposed or deployed', async () => {
    expect(await titled_('web ')).toEqual([]);
    expect(await commitsTouching('apps/api/dev/kustomization.yaml')).toBe(1);
  });

  it('propose: a new tag in the range is proposed once in chat (two replicas); one outside it is not; the Deploy button makes a one-line commit', async () => {
    await crane.pushRandom(repoOf('web'), '1.6.0'); // outside ~1.5.0
    await crane.pushRandom(repoOf('web'), '1.5.1');
    const pushed = Date.now();
    await eventually(async () => (await titled_('web 1.5.1 is available for staging')).length > 0, 'the proposal in chat', 20_000);
    const latency = Date.now() - pushed;
    await pause(4 * INTERVAL_MS);
    const proposals = await titled_('web ');
    expect(proposals.map((m) => m.title)).toEqual(['web 1.5.1 is available for staging']);
    expect(proposals[0]!.text).toContain(`${image('web')}:1.5.1 (matches ~1.5.0)`);
    const [deployButton, ignoreButton] = proposals[0]!.buttons as [Button, Button];
    expect(buttonCommand(deployButton)).toBe('deploy web 1.5.1 staging');
    expect(buttonCommand(ignoreButton)).toBe('deploy ignore web 1.5.1 staging');
    // Push to proposal within a poll interval plus the replicas' jobs (bench: issue 21 item 3).
    expect(latency).toBeLessThan(INTERVAL_MS + 4000);

    const res = await chat(`/${buttonCommand(deployButton)}`);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('Deployed web in staging: 1.5.0 → 1.5.1');
    expect(await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tapps/web/staging/kustomization.yaml');

    const ignored = await chat(`/${buttonCommand(ignoreButton)}`);
    expect(ignored.code, ignored.stdout).toBe(0);
    expect(ignored.stdout).toContain('alice ignored web 1.5.1 for staging: it is not proposed again');
  });

  it('auto: a new matching tag is deployed once by "registry watch", with two replicas and a restart between', async () => {
    const file = 'apps/api/dev/kustomization.yaml';
    await crane.pushRandom(repoOf('api'), '2.1.0');
    await eventually(async () => (await commitsTouching(file)) === 2, 'the automatic deploy commit', 30_000);
    expect(await git(repo.bare, 'show', `main:${file}`)).toContain('newTag: "2.1.0"');
    const message = await git(repo.bare, 'log', '-1', '--format=%B', 'main', '--', file);
    expect(message).toContain('deploy(api): 2.0.0 → 2.1.0 [dev]');
    expect(message).toContain('registry watch');
    await eventually(async () => (await posted()).some((m) => m.title?.includes('Deployed api in dev')), 'the follow-up in chat', 20_000);

    // One replica restarts: nothing is deployed again.
    const first = bots[0]!;
    await first.stop('SIGTERM');
    await startBot();
    await pause(4 * INTERVAL_MS);
    expect(await commitsTouching(file)).toBe(2);
    expect((await posted()).filter((m) => m.title?.includes('Deployed api in dev'))).toHaveLength(1);
    // One audit entry for the automatic deploy, whichever replica made it.
    const audit = (await reader.xrange('opsbot:audit', '-', '+')).map(
      ([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1]]] : []))) as Record<string, string>,
    );
    expect(audit.filter((e) => e.action === 'watch.deploy' && e.target === 'api@dev')).toEqual([
      expect.objectContaining({ actor: 'console:registry-watch', detail: `${image('api')} 2.1.0` }),
    ]);
  });

  it('auto where no access rule lets the watch deploy: proposed instead, saying why; nothing committed', async () => {
    const before = await commitsTouching('apps/lone/kustomization.yaml');
    await crane.pushRandom(repoOf('lone'), '3.1.0');
    await eventually(async () => (await titled_('lone 3.1.0 is available for dev')).length > 0, 'the proposal', 20_000);
    const [proposal] = await titled_('lone ');
    expect(proposal!.text).toContain(
      'Not deployed automatically: console:registry-watch may not deploy on app lone, environment dev: no access rule allows it.',
    );
    expect(await commitsTouching('apps/lone/kustomization.yaml')).toBe(before);
  });

  it('digest watch: the moving tag pushed again is deployed once as tag@digest', async () => {
    const file = 'apps/edge/dev/kustomization.yaml';
    const digest = await crane.pushRandom(repoOf('edge'), 'latest');
    await eventually(async () => (await commitsTouching(file)) === 2, 'the automatic digest deploy', 30_000);
    expect(await git(repo.bare, 'show', `main:${file}`)).toContain(`digest: "${digest}"`);
    await pause(3 * INTERVAL_MS);
    expect(await commitsTouching(file)).toBe(2);
  });

  it('a registry answering 401, 404, 500 or garbage: said once per problem in chat, nothing proposed or committed', async () => {
    const head = await git(repo.bare, 'rev-parse', 'main');
    // 404: the real registry has no such repository.
    await eventually(async () => (await titled_('Registry watch of gone (prod)')).length > 0, 'the 404 warning', 15_000);
    // 401: the stand-in wants credentials DOCKER_CONFIG does not hold.
    await eventually(async () => (await titled_('Registry watch of odd (prod)')).length > 0, 'the 401 warning', 15_000);
    await pause(3 * INTERVAL_MS);
    const gone = await titled_('Registry watch of gone (prod)');
    expect(gone).toHaveLength(1);
    expect(gone[0]!.text).toContain(`${image('gone')} does not exist in ${crane.registry} (the registry answered 404 to its tag list)`);
    const odd = await titled_('Registry watch of odd (prod)');
    expect(odd).toHaveLength(1);
    expect(odd[0]!.text).toContain(`${standIn.host} wants credentials, and DOCKER_CONFIG's config.json has none for it`);

    // 500 on every try, then garbage: each a warning of its own, once.
    standIn.answerNext({ status: 500, body: 'down' }, 1000);
    await eventually(
      async () => (await titled_('Registry watch of odd (prod)')).some((m) => m.text?.includes('HTTP 500')),
      'the 500 warning',
      20_000,
    );
    standIn.clearScript();
    standIn.answerNext({ status: 200, body: '<html>login</html>' }, 1000);
    await eventually(
      async () => (await titled_('Registry watch of odd (prod)')).some((m) => m.text?.includes('not {"tags": [...]}')),
      'the garbage warning',
      20_000,
    );
    await pause(3 * INTERVAL_MS);
    standIn.clearScript();
    const warnings = (await titled_('Registry watch of odd (prod)')).map((m) => m.text ?? '');
    expect(warnings.filter((t) => t.includes('HTTP 500'))).toHaveLength(1);
    expect(warnings.filter((t) => t.includes('not {"tags": [...]}'))).toHaveLength(1);
    expect(await titled_('odd ')).toEqual([]);
    expect(await git(repo.bare, 'rev-parse', 'main')).toBe(head);
  });
});

describe('registry watch — check-config refuses what cannot work', () => {
  const check = (environment: string) =>
    runOpsbot(['check-config'], {
      env: baseEnv({
        OPSBOT_CONFIG: writeConfig(
          `gitops: { url: /nowhere }\napps: { web: { image: ghcr.io/example/web, environments: { staging: { kind: kustomize, path: apps/web/kustomization.yaml, ${environment} } } } }\n`,
        ),
      }),
    });

  it('a valid watch is listed, with where its news goes', async () => {
    const res = await check('watch: { tags: "^1.5.0", interval: 1m }');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('  registry watches: 1\n    web@staging: tags ^1.5.0, proposed (polled every 1 min) → console\n');
  });

  it('a semver range that does not parse', async () => {
    const res = await check('watch: { tags: "^^1.5" }');
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain('"^^1.5" is not a semver range');
  });

  it('a regex that does not parse', async () => {
    const res = await check('watch: { tags: { regex: "^1\\\\.(5" } }');
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/apps\.web\.environments\.staging\.watch\.tags\.regex.*is not a regular expression/);
  });

  it('auto on a protected environment', async () => {
    const res = await check('protected: true, watch: { tags: "^1.5.0", mode: auto }');
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain('staging is protected: protected environments are never deployed without approval');
  });
});
