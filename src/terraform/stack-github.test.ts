import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApiDouble } from '../../test/support/github-api.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { pushTo, stackRepo } from '../../test/terraform/stacks.js';
import { GitHubRepos } from './stack-github.js';

const TOKEN = 'ghp_stack_github_test';
const MARKER = '<!-- opsbot:plan:main -->';

/**
 * The plan comment is read and written back by three writers (a plan, a re-plan, the chat link
 * added once the message is delivered); GitHub has no conditional update, so they take turns in
 * Redis. Real Redis, the GitHub stand-in speaking GitHub's REST shapes.
 */
describe('the plan comment of a pull request', () => {
  let redis: TestRedis;
  let client: Redis;
  let github: GitHubApiDouble;
  const repo = stackRepo({ git: true });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    github = await startGitHubApi({ token: TOKEN, repos: { 'example/infra': repo } });
  });
  afterAll(async () => {
    client.disconnect();
    await github?.close();
    await redis?.close();
  });

  const stackGitHub = () =>
    new GitHubRepos({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url }, client).forStack('main', { github: { owner: 'example', repo: 'infra', allowForks: false } });
  const pull = async (head: string) => {
    pushTo(repo, head, { [`${head}.tf`]: '# change\n' });
    return (await github.openPull({ owner: 'example', repo: 'infra', head })).number;
  };
  const planComments = (n: number) => [...github.comments.values()].filter((c) => c.issue === n && c.body.startsWith(MARKER));

  it('a re-plan written while the link of the older plan is being added is never overwritten by it', async () => {
    const n = await pull('race-link');
    await stackGitHub().upsertComment(n, MARKER, 'plan of job 1');
    // The link's edit has read the comment (job 1's plan) and is about to write it back: a
    // re-plan (job 2) writes the comment at that moment.
    let replan: Promise<unknown> | undefined;
    github.onRequest = async (op) => {
      if (op !== 'issues/update-comment' || replan) return;
      replan = stackGitHub().upsertComment(n, MARKER, 'plan of job 2');
      await sleep(500); // the re-plan's turn comes after this write, however long it waits
    };
    try {
      const linked = await stackGitHub().editComment(n, MARKER, (body) => (body.includes('plan of job 1') ? `${body}\nlinked` : undefined));
      expect(linked).toBe(true);
      await replan;
    } finally {
      github.onRequest = undefined;
    }
    expect(planComments(n).map((c) => c.body)).toEqual([`${MARKER}\nplan of job 2`]);
  });

  it('two first plans at once make one comment', async () => {
    const n = await pull('race-create');
    let held = false;
    github.onRequest = async (op) => {
      // The first writer has found no comment and is about to create one.
      if (op === 'issues/create-comment' && !held) {
        held = true;
        await sleep(300);
      }
    };
    try {
      const results = await Promise.all([stackGitHub().upsertComment(n, MARKER, 'plan A'), stackGitHub().upsertComment(n, MARKER, 'plan B')]);
      expect(results.map((r) => r.updated).sort()).toEqual([false, true]);
    } finally {
      github.onRequest = undefined;
    }
    expect(planComments(n)).toHaveLength(1);
  });
});
