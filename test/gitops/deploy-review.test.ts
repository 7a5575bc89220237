import { Redis } from 'ioredis';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

const TOKEN = 'ghp_reviewtoken0123456789abcdefghijklmno';
const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/example/web\n    newTag: "1.4.2" # prod\n';

/** PR mode for protected environments, against a local GitHub API stand-in backed by a real bare repo. */
describe('protected deploys go through a pull request', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let github: GitHubApiDouble;
  let env: NodeJS.ProcessEnv;
  let client: Redis | undefined;
  const redisClient = () => (client ??= new Redis(redis.url));

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo({ 'apps/web/overlays/prod/kustomization.yaml': KUSTOMIZATION, 'apps/api/values.yaml': 'image:\n  tag: "1.0.0" # api\n' });
    github = await startGitHubApi({ token: TOKEN, repos: { 'example/gitops': repo.bare } });
    const config = writeConfig(`
gitops:
  url: ${repo.bare}
  github: { owner: example, repo: gitops }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      prod: { kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml, protected: true }
  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: apps/api/values.yaml, key: image.tag }
access:
  rules:
    - subjects: ["console:alice", "console:bob"]
      actions: [deploy]
    - subjects: ["console:carol"]
      actions: [deploy]
      environments: [staging]
    - subjects: ["console:carol"]
      actions: [deploy]
      apps: [api]
`);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: join(repo.root, 'home'), GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
  });
  afterAll(async () => {
    client?.disconnect();
    await github.close();
    await redis.close();
    await repo.cleanup();
  });

  const chat = (line: string, as: string) => runOpsbot(['console', '--as', as, '--exec', line], { env });
  const main = () => git(repo.bare, 'rev-parse', 'main');
  const branches = async () => (await git(repo.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/')).split('\n').filter(Boolean);

  it('opens a PR with Approve / Reject; only someone else allowed may approve; approval merges it once', async () => {
    const before = await main();
    const asked = await chat('/deploy web 2.0.0 prod', 'alice');
    expect(asked.code, asked.stdout + asked.stderr).toBe(0);
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    expect(asked.stdout).toMatch(/✔ Pull request #1: deploy\(web\): 1\.4\.2 → 2\.0\.0 \[prod\]/);
    expect(asked.stdout).toContain(`[Approve: deploy approve ${id}] [Reject: deploy reject ${id}]`);
    expect(await main()).toBe(before);
    expect(await branches()).toContain('opsbot/web-prod-2.0.0');
    expect(github.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /repos/example/gitops/pulls']);

    const self = await chat(`/deploy approve ${id}`, 'alice');
    expect(self.code).toBe(2);
    expect(self.stdout).toContain('you asked for this deploy; someone else must approve it');
    const outsider = await chat(`/deploy approve ${id}`, 'carol');
    expect(outsider.code).toBe(2);
    expect(outsider.stdout).toContain('console:carol may not deploy on app web, environment prod');
    expect(await main()).toBe(before);

    const approved = await chat(`/deploy approve ${id}`, 'bob');
    expect(approved.code, approved.stdout).toBe(0);
    expect(approved.stdout).toContain('✔ Approved by bob: web 2.0.0 merged into prod');
    expect(await main()).not.toBe(before);
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).toContain('newTag: "2.0.0" # prod');
    expect(await git(repo.bare, 'log', '--format=%B', 'main')).toMatch(/Opsbot-Job: \d+-[0-9a-f]{8}/);
    expect(await branches()).toEqual(['main']);

    const again = await chat(`/deploy approve ${id}`, 'bob');
    expect(again.code).toBe(2);
    expect(again.stdout).toContain(`Job ${id} was already approved by console:bob; nothing changed.`);
    expect(github.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(github.calls.flatMap((c) => c.violations)).toEqual([]);
  });

  it('a rejection closes the PR and deletes the branch; nothing reaches main', async () => {
    const before = await main();
    const asked = await chat('/deploy web 2.1.0 prod', 'alice');
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    expect(await branches()).toContain('opsbot/web-prod-2.1.0');
    const rejected = await chat(`/deploy reject ${id}`, 'bob');
    expect(rejected.code, rejected.stdout).toBe(0);
    expect(rejected.stdout).toContain('Rejected by bob: web 2.1.0 not deployed to prod');
    expect(await main()).toBe(before);
    expect(await branches()).toEqual(['main']);
    expect([...github.pulls.values()].find((p) => p.head === 'opsbot/web-prod-2.1.0')?.state).toBe('closed');
    const late = await chat(`/deploy approve ${id}`, 'bob');
    expect(late.code).toBe(2);
    expect(late.stdout).toContain('was already rejected');
    expect(await main()).toBe(before);
  });

  const pullOf = (branch: string) => [...github.pulls.values()].find((p) => p.head === branch)!;
  const sneak = (branch: string) => repo.commitAsOther({ 'apps/web/overlays/prod/kustomization.yaml': KUSTOMIZATION.replace('1.4.2', '6.6.6-evil') }, 'sneak in a tag', branch);
  const audited = async (action: string) => (await redisClient().xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' ')).filter((e) => e.includes(action));

  it('a push to the branch between opsbot\'s push and the pull request: refused, the pull request closed, nothing up for review', async () => {
    const before = await main();
    const branch = 'opsbot/web-prod-3.0.0';
    let foreign = '';
    github.onRequest = async (op) => {
      if (op === 'pulls/create') foreign = await sneak(branch);
    };
    const asked = await chat('/deploy web 3.0.0 prod', 'alice').finally(() => (github.onRequest = undefined));
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    expect(foreign).toMatch(/^[0-9a-f]{40}$/);
    expect(asked.stdout).toMatch(new RegExp(`Refused: branch ${branch} of pull request #\\d+ now points at ${foreign.slice(0, 12)}, not at [0-9a-f]{12}, the commit opsbot pushed`));
    expect(asked.stdout).not.toContain('[Approve');
    expect(pullOf(branch)).toMatchObject({ state: 'closed', merged: false });
    expect(await branches()).not.toContain(branch);
    expect(await main()).toBe(before);
    expect(await redisClient().exists(`opsbot:review:${id}`)).toBe(0);
    expect(await audited(`job.deploy`)).toEqual(expect.arrayContaining([expect.stringContaining(`action job.deploy target web@prod job ${id} result refused detail Refused: branch ${branch} of pull request`)]));
    const approve = await chat(`/deploy approve ${id}`, 'bob');
    expect(approve.stdout).toContain(`There is no pull request waiting for job ${id}.`);
    expect(await main()).toBe(before);
  });

  /** alice asks for a protected deploy of `tag`: main before, the review branch, the job, the commit opsbot pushed. */
  const reviewOpened = async (tag: string) => {
    const before = await main();
    const branch = `opsbot/web-prod-${tag}`;
    const asked = await chat(`/deploy web ${tag} prod`, 'alice');
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    return { before, branch, id: id!, pushed: await git(repo.bare, 'rev-parse', branch) };
  };

  it('a push to the branch while the pull request waits: the approval refuses it and closes it, nothing merged', async () => {
    const { before, branch, id, pushed } = await reviewOpened('3.1.0');
    expect(await redisClient().hget(`opsbot:review:${id}`, 'headSha')).toBe(pushed);
    const foreign = await sneak(branch);
    const merges = github.calls.filter((c) => c.method === 'PUT').length;
    const approved = await chat(`/deploy approve ${id}`, 'bob');
    expect(approved.stdout).toContain(`Refused: branch ${branch} of pull request #${pullOf(branch).number} now points at ${foreign.slice(0, 12)}, not at ${pushed.slice(0, 12)}, the commit opsbot pushed — someone else pushed to it. The pull request is closed and the branch deleted; nothing was merged.`);
    expect(github.calls.filter((c) => c.method === 'PUT')).toHaveLength(merges);
    expect(pullOf(branch)).toMatchObject({ state: 'closed', merged: false });
    expect(await branches()).not.toContain(branch);
    expect(await main()).toBe(before);
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).not.toContain('evil');
    expect(await audited('job.review')).toEqual(expect.arrayContaining([expect.stringMatching(/result refused detail Refused: branch opsbot\/web-prod-3\.1\.0/)]));
  });

  it('a push that lands between the approval\'s look and the merge: GitHub refuses the merge (sha), the pull request is closed', async () => {
    const { before, branch, id, pushed } = await reviewOpened('3.2.0');
    github.onRequest = async (op) => {
      if (op === 'pulls/merge') await sneak(branch);
    };
    const approved = await chat(`/deploy approve ${id}`, 'bob').finally(() => (github.onRequest = undefined));
    expect(approved.stdout).toContain(`Refused: branch ${branch} of pull request #${pullOf(branch).number} has changed, not at ${pushed.slice(0, 12)}, the commit opsbot pushed`);
    const merge = github.calls.filter((c) => c.method === 'PUT').at(-1)!;
    expect(merge).toMatchObject({ status: 409, body: expect.objectContaining({ sha: pushed }) });
    expect(pullOf(branch)).toMatchObject({ state: 'closed', merged: false });
    expect(await main()).toBe(before);
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).not.toContain('evil');
  });

  it('a group with a protected member: one pull request for every app, approved by someone allowed to deploy each, merged once', async () => {
    const before = await main();
    const asked = await chat('/deploy web,api 4.0.0 prod', 'alice');
    expect(asked.code, asked.stdout + asked.stderr).toBe(0);
    expect(asked.stdout).toContain('deploy web, api 4.0.0 to prod in one pull request (protected)');
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    const branch = 'opsbot/web_api-prod-4.0.0';
    expect(asked.stdout).toMatch(new RegExp(`✔ Pull request #${pullOf(branch).number}: deploy\\(web,api\\): 4\\.0\\.0 \\[prod\\]`));
    expect(await main()).toBe(before);
    expect((await git(repo.bare, 'diff', '--name-only', 'main', branch)).split('\n').sort()).toEqual(['apps/api/values.yaml', 'apps/web/overlays/prod/kustomization.yaml']);

    // carol may deploy api anywhere, web only in staging: the group's approval needs both.
    const carol = await chat(`/deploy approve ${id}`, 'carol');
    expect(carol.code).toBe(2);
    expect(carol.stdout).toContain('console:carol may not deploy on app web, environment prod');
    expect(await main()).toBe(before);

    const approved = await chat(`/deploy approve ${id}`, 'bob');
    expect(approved.code, approved.stdout).toBe(0);
    expect(approved.stdout).toContain('✔ Approved by bob: web,api 4.0.0 merged into prod');
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).toContain('newTag: "4.0.0" # prod');
    expect(await repo.show('apps/api/values.yaml')).toBe('image:\n  tag: "4.0.0" # api\n');
    expect(await git(repo.bare, 'rev-list', '--count', `${before}..main`)).toBe('2'); // the group's commit and its merge
    expect(pullOf(branch)).toMatchObject({ state: 'closed', merged: true });
    expect(await branches()).toEqual(['main']);
  });

  it('an unknown review is a clear reply', async () => {
    const res = await chat('/deploy approve 4242', 'bob');
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('There is no pull request waiting for job 4242.');
  });
});
