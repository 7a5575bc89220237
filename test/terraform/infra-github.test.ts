import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { FEATURE_TF, TOFU, haveTofu, infraConfig, planIdOf, pushTo, stackRepo } from './stacks.js';

const TOKEN = 'ghp_stacktoken0123456789abcdefghijklmno';

const resourcesIn = (repo: string): string[] => {
  const file = join(repo, 'infra', 'terraform.tfstate');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { resources: { name: string }[] }).resources.map((r) => r.name);
};

/**
 * Plans of branches and pull requests from chat, against real tofu, a real Redis and the GitHub
 * stand-in (every request checked against GitHub's OpenAPI description).
 */
describe.skipIf(!haveTofu)('Terraform for branches and pull requests (real tofu, GitHub stand-in)', () => {
  let redis: TestRedis;
  let client: Redis;
  let github: GitHubApiDouble;
  let env: NodeJS.ProcessEnv;
  const repos = { br: stackRepo({ git: true }), pr: stackRepo({ git: true }), held: stackRepo({ git: true }), forks: stackRepo({ git: true }), plain: stackRepo({ git: true }) };
  const config = infraConfig({
    br: { repo: repos.br, dir: 'infra' },
    pr: { repo: repos.pr, dir: 'infra', github: { owner: 'example', repo: 'infra-pr' }, applyRequirements: ['approved', 'mergeable'] },
    held: { repo: repos.held, dir: 'infra', github: { owner: 'example', repo: 'infra-held' }, lock: 'plan-to-apply' },
    forks: { repo: repos.forks, dir: 'infra', github: { owner: 'example', repo: 'infra-forks', allowForks: true } },
    plain: { repo: repos.plain, dir: 'infra' },
  });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    github = await startGitHubApi({ token: TOKEN, repos: { 'example/infra-pr': repos.pr, 'example/infra-held': repos.held, 'example/infra-forks': repos.forks } });
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-'), GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
  });
  afterAll(async () => {
    client.disconnect();
    await github?.close();
    await redis?.close();
  });

  const exec = (as: string, line: string) => runOpsbot(['console', '--as', as, '--exec', line], { env, timeoutMs: 90_000 });
  const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);
  const violations = () => github.calls.flatMap((c) => c.violations.map((v) => `${c.method} ${c.path}: ${v}`));

  it('a plan of a branch records its head and applies exactly that; a new push makes it stale', async () => {
    const first = pushTo(repos.br, 'feature/extra', { 'feature.tf': FEATURE_TF });
    const planned = await exec('alice', '/infra plan br --branch feature/extra');
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`Queued as job`);
    expect(planned.stdout).toContain(`(branch feature/extra at ${first.slice(0, 12)})`);
    expect(planned.stdout).toContain('Branch: feature/extra');
    expect(planned.stdout).toContain(`Commit: ${first.slice(0, 12)}`);
    expect(planned.stdout).toContain('terraform_data.feature');
    const id = planIdOf(planned.stdout);

    const second = pushTo(repos.br, 'feature/extra', { 'feature.tf': FEATURE_TF.replace('v1', 'v2') });
    const before = await queued();
    const stale = await exec('bob', `/infra apply ${id}`);
    expect(stale.code).toBe(2);
    expect(stale.stdout).toContain(`Plan ${id} is stale: branch feature/extra has moved on since plan ${id}: it was made from ${first.slice(0, 12)}, the branch is now at ${second.slice(0, 12)}. Nothing was applied; run /infra plan br --branch feature/extra again.`);
    expect(await queued()).toBe(before);
    expect(resourcesIn(repos.br)).toEqual([]);

    const again = await exec('alice', '/infra plan br --branch feature/extra');
    expect(again.stdout).toContain(`Commit: ${second.slice(0, 12)}`);
    const applied = await exec('bob', `/infra apply ${planIdOf(again.stdout)}`);
    expect(applied.code, applied.stdout).toBe(0);
    // The branch's code, not main's: its resource is in the state.
    expect(resourcesIn(repos.br)).toContain('feature');
  }, 300_000);

  it('a pull request gets one plan comment (edited on re-plan) and a status; apply waits for approved and mergeable, then marks it applied', async () => {
    const head = pushTo(repos.pr, 'add-feature', { 'feature.tf': FEATURE_TF });
    const pr = await github.openPull({ owner: 'example', repo: 'infra-pr', head: 'add-feature', author: 'dev' });
    const planned = await exec('alice', `/infra plan pr --pr ${pr.number}`);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`Pull request: #${pr.number} https://github.com/example/infra-pr/pull/${pr.number}`);
    expect(planned.stdout).toContain(`Plan posted on pull request #${pr.number}: https://github.com/example/infra-pr/pull/${pr.number}#issuecomment-`);
    const id = planIdOf(planned.stdout);
    const comments = () => [...github.comments.values()].filter((c) => c.repo === 'infra-pr' && c.issue === pr.number);
    expect(comments()).toHaveLength(1);
    const body = comments()[0]!.body;
    expect(body).toContain('<!-- opsbot-plan:pr -->');
    expect(body).toContain(`**Plan for stack \`pr\`** at ${head.slice(0, 12)}: 6 to add`);
    expect(body).toMatch(/<details><summary>Show the full plan<\/summary>\n\n```diff\n[\s\S]*# terraform_data\.feature will be created[\s\S]*```\n\n<\/details>/);
    // The console has no message to link: the comment says where in words, for good (no follow-up is queued).
    expect(body).toMatch(new RegExp(`Plan \`${id}\` by alice from <!-- chat -->the opsbot console \\(session alice-[\\w-]+\\)<!-- /chat --> \\(job \\d+\\)`));
    expect(github.statuses.at(-1)).toMatchObject({ sha: head, context: 'opsbot/plan: pr', state: 'pending' });
    expect(github.statuses.at(-1)!.description).toContain(`Plan ${id}: 6 to add`);

    const replanned = await exec('alice', `/infra plan pr --pr ${pr.number}`);
    const id2 = planIdOf(replanned.stdout);
    expect(replanned.stdout).toContain(`Plan comment updated on pull request #${pr.number}`);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]!.body).toContain(`Plan \`${id2}\``);

    const before = await queued();
    const unapproved = await exec('bob', `/infra apply ${id2}`);
    expect(unapproved.code).toBe(2);
    expect(unapproved.stdout).toContain(`Plan ${id2} cannot be applied yet: approved: pull request #${pr.number} has no approving review on GitHub. Nothing was applied`);
    await github.review(pr.number, 'reviewer', 'APPROVED');
    github.pulls.get(pr.number)!.mergeable = false;
    const conflicted = await exec('bob', `/infra apply ${id2}`);
    expect(conflicted.code).toBe(2);
    expect(conflicted.stdout).toContain(`mergeable: pull request #${pr.number} is not mergeable`);
    expect(conflicted.stdout).not.toContain('approved:');
    await github.review(pr.number, 'other', 'CHANGES_REQUESTED');
    const blocked = await exec('bob', `/infra apply ${id2}`);
    expect(blocked.stdout).toContain(`approved: other requested changes on pull request #${pr.number}; mergeable: pull request #${pr.number} is not mergeable`);
    expect(await queued()).toBe(before);
    expect(resourcesIn(repos.pr)).toEqual([]);

    await github.review(pr.number, 'other', 'APPROVED');
    github.pulls.get(pr.number)!.mergeable = true;
    const applied = await exec('bob', `/infra apply ${id2}`);
    expect(applied.code, applied.stdout).toBe(0);
    expect(resourcesIn(repos.pr)).toContain('feature');
    expect(github.statuses.at(-1)).toMatchObject({ sha: head, context: 'opsbot/plan: pr', state: 'success', description: `Applied plan ${id2} (approved by console:bob)` });
    expect(violations()).toEqual([]);
  }, 300_000);

  it('lock: plan-to-apply holds the stack for the planner\'s pull request, refuses another planner naming the holder, and frees on merge', async () => {
    pushTo(repos.held, 'first', { 'feature.tf': FEATURE_TF });
    pushTo(repos.held, 'second', { 'feature.tf': FEATURE_TF.replace('v1', 'v9') });
    const one = await github.openPull({ owner: 'example', repo: 'infra-held', head: 'first' });
    const two = await github.openPull({ owner: 'example', repo: 'infra-held', head: 'second' });
    const planned = await exec('alice', `/infra plan held --pr ${one.number}`);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);

    const before = await queued();
    for (const line of [`/infra plan held --pr ${two.number}`, '/infra plan held']) {
      const refused = await exec('carol', line);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toContain(`Stack held is locked for alice's pull request #${one.number} (https://github.com/example/infra-held/pull/${one.number}) since`);
      expect(refused.stdout).toContain('Your plan was refused; nothing was planned.');
    }
    expect(await queued()).toBe(before);
    const locks = await exec('dave', '/infra locks');
    expect(locks.stdout).toMatch(new RegExp(`Stack held is locked for alice's pull request #${one.number} .* since \\d{4}-\\d\\d-\\d\\dT`));
    // The holder re-plans their own pull request: allowed, still one hold.
    expect((await exec('alice', `/infra plan held --pr ${one.number}`)).code).toBe(0);

    Object.assign(github.pulls.get(one.number)!, { state: 'closed', merged: true, mergedAt: new Date().toISOString() });
    const after = await exec('carol', `/infra plan held --pr ${two.number}`);
    expect(after.code, after.stdout).toBe(0);
    expect((await exec('dave', '/infra locks')).stdout).toContain(`Stack held is locked for carol's pull request #${two.number}`);
  }, 300_000);

  it('a fork\'s pull request is planned only where the stack allows forks, from refs/pull/<n>/head', async () => {
    const forkHead = pushTo(repos.forks, 'fork-work', { 'feature.tf': FEATURE_TF });
    // The fork's branch is not in this repository: only GitHub's refs/pull/<n>/head has its commit.
    execFileSync('git', ['branch', '-D', 'fork-work'], { cwd: repos.forks });
    const pr = await github.openPull({ owner: 'example', repo: 'infra-forks', head: 'fork-work', fork: { sha: forkHead }, author: 'stranger' });
    const planned = await exec('alice', `/infra plan forks --pr ${pr.number}`);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`Commit: ${forkHead.slice(0, 12)}`);
    expect(planned.stdout).toContain('terraform_data.feature');
  }, 180_000);

  it.each([
    ['/infra plan br --branch nope', 'Stack br: there is no branch nope in its repository. Nothing was planned.'],
    ['/infra plan pr --pr 99', 'There is no pull request #99 in example/infra-pr. Nothing was planned.'],
    ['/infra plan plain --pr 1', 'Stack plain has no GitHub repository (stacks.plain.github in the config), so it cannot plan pull requests. Nothing was planned.'],
    ['/infra plan br --branch ../x', '"../x" is not a branch name'],
    ['/infra plan br --branch -x', '"-x" is not a branch name'],
    ['/infra plan br --branch=-upload-pack=x', '"-upload-pack=x" is not a branch name'],
    ['/infra plan br --branch a..b', '"a..b" is not a branch name'],
    ['/infra plan br --branch feature/.hidden', '"feature/.hidden" is not a branch name'],
    ['/infra plan br --branch x.lock', '"x.lock" is not a branch name'],
    ['/infra plan br --pr 0', '--pr needs a pull request number, not "0"'],
    ['/infra plan br --pr 1 --branch main', 'Give --branch or --pr, not both.'],
  ])('%s → one clear reply, exit 2, nothing queued', async (line, reply) => {
    const before = await queued();
    const res = await exec('alice', line);
    expect(res.code, res.stdout).toBe(2);
    expect(res.stdout).toContain(reply);
    expect(await queued()).toBe(before);
  }, 180_000);

  it('/infra unlock: an approver frees a plan-to-apply lock; someone neither admin nor approver is denied', async () => {
    const denied = await exec('mallory', '/infra unlock held');
    expect(denied.code).toBe(2);
    expect(denied.stdout).toContain('Denied: console:mallory may not admin on stack held');
    expect(denied.stdout).toContain('(An approver of the stack may free only its plan-to-apply lock.)');
    // Carol's plan of the test above still holds the stack.
    expect((await exec('dave', '/infra locks')).stdout).toContain("Stack held is locked for carol's pull request");
    const freed = await exec('erin', '/infra unlock held');
    expect(freed.code, freed.stdout).toBe(0);
    // The pull request's number depends on how many the stand-in opened before this test.
    expect(freed.stdout).toMatch(/Stack held is locked for carol's pull request #(\d+) \(https:\/\/github\.com\/example\/infra-held\/pull\/\1\) since/);
    expect(freed.stdout).toContain('that plan-to-apply lock is freed.');
    expect((await exec('dave', '/infra locks')).stdout).toContain('No stack is locked.');
  }, 120_000);

  it('a pull request from a fork is refused where the stack does not allow forks', async () => {
    const sha = execFileSync('git', ['rev-parse', 'main'], { cwd: repos.pr }).toString().trim();
    const pr = await github.openPull({ owner: 'example', repo: 'infra-pr', head: 'theirs', fork: { sha }, author: 'stranger' });
    const before = await queued();
    const res = await exec('alice', `/infra plan pr --pr ${pr.number}`);
    expect(res.code).toBe(2);
    expect(res.stdout).toContain(`Pull request #${pr.number} comes from a fork; stack pr does not plan code from forks (stacks.pr.github.allowForks). Nothing was planned.`);
    expect(await queued()).toBe(before);
  }, 180_000);
});
