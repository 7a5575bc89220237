import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

/** One image in two apps, as the reference organisation's bot-mat and bot-prod: a plain multi-document manifest each. */
const botManifest = (name: string, tag: string) => `# ${name}: the Telegram bot, ${name === 'bot-mat' ? 'matrix' : 'production'} flavour
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports: [{ port: 80 }]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
        - name: bot
          image: ghcr.io/example/bot:${tag} # bumped by CI
          env:
            - { name: FLAVOUR, value: ${name} }
`;

/** Two apps in one file: the keys of one Helm values file. */
const SHARED_VALUES = `# both workers of the queue, one chart
left:
  image:
    repository: ghcr.io/example/queue
    tag: "3.1.0" # left
right:
  image:
    repository: ghcr.io/example/queue
    tag: "3.1.0" # right
`;

const FILES = {
  'bot-mat/src/deployment.yaml': botManifest('bot-mat', '1.4.2'),
  'bot-prod/src/deployment.yaml': botManifest('bot-prod', '1.4.1'),
  'bot-mat/staging/deployment.yaml': botManifest('bot-mat', '1.4.2'),
  'queue/values.yaml': SHARED_VALUES,
  'api/values.yaml': 'image:\n  tag: "2.0.0"\n',
};

const CONFIG = (bare: string) => `
gitops: { url: ${bare} }
apps:
  bot-mat:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-mat/src/deployment.yaml, container: bot }
      staging: { kind: manifest, path: bot-mat/staging/deployment.yaml, container: bot }
  bot-prod:
    image: ghcr.io/example/bot
    environments:
      prod: { kind: manifest, path: bot-prod/src/deployment.yaml, container: bot }
  queue-left:
    image: ghcr.io/example/queue
    environments:
      prod: { kind: helm-values, path: queue/values.yaml, key: left.image.tag }
  queue-right:
    image: ghcr.io/example/queue
    environments:
      prod: { kind: helm-values, path: queue/values.yaml, key: right.image.tag }
  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: api/values.yaml, key: image.tag }
appGroups:
  bots: [bot-mat, bot-prod]
  queue: [queue-left, queue-right]
access:
  rules:
    # bob may deploy bot-mat, not bot-prod: the group is refused whole.
    - { subjects: ["console:alice"], actions: [deploy, rollback] }
    - { subjects: ["console:bob"], actions: [deploy], apps: [bot-mat, api] }
`;

/** The lines that differ between two versions of a file of the same length. */
function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  return a.flatMap((line, i): [string, string][] => (line !== b[i] ? [[line, b[i]!]] : []));
}

describe('/deploy of an app group or a comma list: one commit', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let env: NodeJS.ProcessEnv;
  const head = () => git(repo.bare, 'rev-parse', 'main');
  const count = async () => Number(await git(repo.bare, 'rev-list', '--count', 'main'));

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo(FILES);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig(CONFIG(repo.bare)), OPSBOT_HOME: join(repo.root, 'home') });
  });
  afterAll(async () => {
    await redis.close();
    await repo.cleanup();
  });

  const chat = (line: string, as = 'alice') => runOpsbot(['console', '--as', as, '--exec', line], { env });

  it('a group deploy makes exactly one commit, changing each app\'s line and nothing else', async () => {
    const before = { mat: await repo.show('bot-mat/src/deployment.yaml'), prod: await repo.show('bot-prod/src/deployment.yaml') };
    const commits = await count();
    const res = await chat('/deploy bots 1.5.0 prod');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('Queued as job');
    expect(res.stdout).toContain('✔ Deployed bots (bot-mat, bot-prod) in prod: 1.5.0, one commit');
    expect(res.stdout).toMatch(/bot-mat: 1\.4\.2 → 1\.5\.0/);
    expect(res.stdout).toMatch(/bot-prod: 1\.4\.1 → 1\.5\.0/);
    expect(await count()).toBe(commits + 1);
    const [, id] = /Queued as job (\d+)/.exec(res.stdout)!;
    const message = await git(repo.bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    expect(message).toMatch(
      new RegExp(`^opsbot <opsbot@localhost>\\ndeploy\\(bot-mat,bot-prod\\): 1\\.5\\.0 \\[prod\\]\\n\\nbot-mat: 1\\.4\\.2 → 1\\.5\\.0\\nbot-prod: 1\\.4\\.1 → 1\\.5\\.0\\n\\nApp-Group: bots\\nRequested-by: alice \\(console:alice\\)\\nOpsbot-Job: ${id}-[0-9a-f]{8}`),
    );
    expect((await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).split('\n').sort()).toEqual(['1\t1\tbot-mat/src/deployment.yaml', '1\t1\tbot-prod/src/deployment.yaml']);
    expect(changedLines(before.mat, await repo.show('bot-mat/src/deployment.yaml'))).toEqual([['          image: ghcr.io/example/bot:1.4.2 # bumped by CI', '          image: ghcr.io/example/bot:1.5.0 # bumped by CI']]);
    expect(changedLines(before.prod, await repo.show('bot-prod/src/deployment.yaml'))).toEqual([['          image: ghcr.io/example/bot:1.4.1 # bumped by CI', '          image: ghcr.io/example/bot:1.5.0 # bumped by CI']]);
  });

  it('deploying the group again at the same tag commits nothing', async () => {
    const before = await head();
    const res = await chat('/deploy bots 1.5.0 prod');
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('already at 1.5.0');
    expect(await head()).toBe(before);
  });

  it('a comma list of two apps in one file: one commit, both lines, comments kept', async () => {
    const before = await repo.show('queue/values.yaml');
    const commits = await count();
    const res = await chat('/deploy queue-left,queue-right 3.2.0 prod');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('✔ Deployed queue-left, queue-right in prod: 3.2.0, one commit');
    expect(res.stdout).toMatch(/queue-left: 3\.1\.0 → 3\.2\.0/);
    expect(res.stdout).toMatch(/queue-right: 3\.1\.0 → 3\.2\.0/);
    expect(await count()).toBe(commits + 1);
    expect(await git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('deploy(queue-left,queue-right): 3.2.0 [prod]');
    expect(await git(repo.bare, 'diff', '--numstat', 'main~1', 'main')).toBe('2\t2\tqueue/values.yaml');
    expect(changedLines(before, await repo.show('queue/values.yaml'))).toEqual([
      ['    tag: "3.1.0" # left', '    tag: "3.2.0" # left'],
      ['    tag: "3.1.0" # right', '    tag: "3.2.0" # right'],
    ]);
  });

  it('a group whose members share one file works the same by its name', async () => {
    const res = await chat('/deploy queue 3.3.0 prod');
    expect(res.code, res.stdout).toBe(0);
    expect(await git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('deploy(queue-left,queue-right): 3.3.0 [prod]');
    expect(await repo.show('queue/values.yaml')).toBe(SHARED_VALUES.replaceAll('"3.1.0"', '"3.3.0"'));
  });

  it('/history shows the group deploy under each app, by who asked; /rollback of one app changes only its line, leaving the other app out of its history', async () => {
    const hist = await chat('/history queue-right prod 5', 'carol');
    expect(hist.code, hist.stdout).toBe(0);
    expect(hist.stdout).toMatch(/3\.3\.0\s+[0-9a-f]{8}\s+alice \(console:alice\)\s+← current\n.*3\.2\.0\s+[0-9a-f]{8}\s+alice \(console:alice\)\s*\n.*3\.1\.0\s+[0-9a-f]{8}\s+ci-bot/);
    const before = await repo.show('queue/values.yaml');
    const res = await chat('/rollback queue-left prod');
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('✔ Rolled back queue-left in prod: 3.3.0 → 3.2.0');
    expect(await git(repo.bare, 'log', '-1', '--format=%s', 'main')).toBe('rollback(queue-left): 3.3.0 → 3.2.0 [prod]');
    expect(changedLines(before, await repo.show('queue/values.yaml'))).toEqual([['    tag: "3.3.0" # left', '    tag: "3.2.0" # left']]);
    // queue-left's own rollback left queue-right's tag alone: not in queue-right's history.
    const right = await chat('/history queue-right prod 5', 'carol');
    expect(right.stdout).toMatch(/3\.3\.0\s+[0-9a-f]{8}\s+alice \(console:alice\)\s+← current\n.*3\.2\.0\s+[0-9a-f]{8}\s+alice/);
    expect(right.stdout).not.toContain('rollback');
    const middle = await repo.show('queue/values.yaml');
    const rightBack = await chat('/rollback queue-right prod');
    expect(rightBack.stdout).toContain('✔ Rolled back queue-right in prod: 3.3.0 → 3.2.0');
    expect(changedLines(middle, await repo.show('queue/values.yaml'))).toEqual([['    tag: "3.3.0" # right', '    tag: "3.2.0" # right']]);
    const back = await chat('/rollback bot-prod prod');
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toContain('✔ Rolled back bot-prod in prod: 1.5.0 → 1.4.1');
    expect(await repo.show('bot-mat/src/deployment.yaml')).toContain('ghcr.io/example/bot:1.5.0');
  });

  describe('bad input: a clear reply and no commit', () => {
    let before: string;
    beforeEach(async () => {
      before = await head();
    });

    it.each([
      ['/deploy botz 1.6.0 prod', 'Unknown app or group "botz". Did you mean "bots"? Known apps: bot-mat, bot-prod, queue-left, queue-right, api; app groups: bots, queue.'],
      ['/deploy bots,api 1.6.0 prod', 'bots is an app group: deploy it on its own (/deploy bots …), or list its apps (bot-mat,bot-prod).'],
      ['/deploy bot-mat,nope 1.6.0 prod', 'Unknown app "nope" in bot-mat,nope.'],
      ['/deploy bots 1.6.0 staging', 'bot-prod has no environment "staging" (bot-prod: prod): a group deploy changes every app or none, so nothing was deployed.'],
      ['/deploy bot-mat,bot-mat 1.6.0 prod', 'bot-mat is listed twice in bot-mat,bot-mat: name each app once.'],
      [`/deploy bot-mat,api sha256:${'ab'.repeat(32)} prod`, 'api: api/values.yaml: image.tag takes a tag, not a digest'],
      ['/deploy bots ../x prod', '"../x" is not a valid image tag or digest'],
    ])('%j', async (line, reply) => {
      const res = await chat(line);
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain(reply);
      expect(await head()).toBe(before);
    });

    it('a member the person may not deploy: the refusal names it', async () => {
      const res = await chat('/deploy bots 1.6.0 prod', 'bob');
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain('Denied: console:bob may not deploy on app bot-prod, environment prod');
      expect(await head()).toBe(before);
    });

    it('a member whose file cannot be edited fails the job, naming it, and nothing is committed', async () => {
      const broken = await repo.commitAsOther({ 'bot-prod/src/deployment.yaml': 'kind: Deployment\nspec: [unclosed\n' }, 'break bot-prod');
      const res = await chat('/deploy bots 1.7.0 prod');
      expect(res.code, res.stdout).toBe(1);
      expect(res.stdout).toMatch(/bot-prod: bot-prod\/src\/deployment\.yaml: .*nothing was committed/s);
      expect(await head()).toBe(broken);
      expect(await repo.show('bot-mat/src/deployment.yaml')).toContain('ghcr.io/example/bot:1.5.0');
    });
  });
});
