import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TagLocation } from '../../src/core/config/schema.js';
import { formatDeployMessage } from '../../src/gitops/deploy-message.js';
import type { EditResult } from '../../src/gitops/editors/edit-result.js';
import { PullRequests } from '../../src/gitops/pull-requests.js';
import { RepoWriter, reviewBranchName, type ChangeRequest } from '../../src/gitops/repo-writer.js';
import { editTagFile } from '../../src/gitops/tag-file.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

const TOKEN = 'ghp_testtoken0123456789abcdefghijklmnop';
const PROD: TagLocation = { kind: 'helm-values', path: 'apps/api/values.yaml', key: 'image.tag', protected: true };
const VALUES = '# api values\nimage:\n  repository: ghcr.io/example/api\n  tag: "2.0.0" # opsbot\n';

function deploy(jobId: string, ref: string): ChangeRequest<EditResult> {
  return {
    jobId,
    edit: (workdir) => editTagFile(workdir, { image: 'ghcr.io/example/api' }, PROD, ref),
    message: (r) => formatDeployMessage({ verb: 'deploy', app: 'api', env: 'prod', from: r.old, to: r.new, requestedBy: { name: 'Bob', platform: 'telegram', id: '42' }, jobId }),
  };
}

let repo: BareRepo;
let cache: string;
let github: GitHubApiDouble;
let writer: RepoWriter;
let prs: PullRequests;

beforeEach(async () => {
  repo = await createBareRepo({ [PROD.path]: VALUES });
  cache = await mkdtemp(path.join(tmpdir(), 'opsbot-cache-'));
  github = await startGitHubApi({ token: TOKEN, repos: { 'example/gitops': repo.bare } });
  writer = new RepoWriter({ url: repo.bare, cacheDir: cache });
  prs = new PullRequests({ owner: 'example', repo: 'gitops', token: TOKEN, baseUrl: github.url });
});
afterEach(async () => {
  await github.close();
  await repo.cleanup();
  await rm(cache, { recursive: true, force: true });
});

describe('pull-request mode against the GitHub API stand-in and a real bare repo', () => {
  it('opens, merges (the commit lands on main) and the job is then recognised as done', async () => {
    const branch = reviewBranchName('api', 'prod', '2.1.0');
    const pushed = await writer.pushBranch(branch, deploy('job-pr1', '2.1.0'));
    const pr = await prs.open({ head: branch, base: 'main', title: 'deploy(api): 2.0.0 → 2.1.0 [prod]', body: 'Requested by Bob' });
    expect(pr).toMatchObject({ number: 1, state: 'open', merged: false, headRef: branch, headSha: pushed.sha, baseRef: 'main', url: 'https://github.com/example/gitops/pull/1' });
    // Retried job: the open PR is found instead of failing.
    expect((await prs.open({ head: branch, base: 'main', title: 'again' })).number).toBe(1);

    const merged = await prs.merge(pr.number, { sha: pushed.sha });
    expect(await git(repo.bare, 'rev-parse', 'main')).toBe(merged.sha);
    expect(await repo.show(PROD.path)).toContain('tag: "2.1.0" # opsbot');
    expect(await prs.get(pr.number)).toMatchObject({ state: 'closed', merged: true, mergeCommitSha: merged.sha });
    expect(await writer.commitChange(deploy('job-pr1', '2.1.0'))).toMatchObject({ alreadyDone: true, sha: pushed.sha });

    await prs.deleteBranch(branch);
    expect(await git(repo.bare, 'branch', '--list', 'opsbot/*')).toBe('');

    expect(github.calls.map((c) => `${c.method} ${c.operationId} ${c.status}`)).toEqual([
      'POST pulls/create 201',
      'POST pulls/create 422',
      'GET pulls/list 200',
      'PUT pulls/merge 200',
      'GET pulls/get 200',
      'DELETE git/delete-ref 204',
    ]);
    expect(github.calls.flatMap((c) => c.violations)).toEqual([]);
    expect(github.calls.every((c) => c.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it('squash merge carries the deploy message (and its Opsbot-Job trailer) onto main', async () => {
    const branch = reviewBranchName('api', 'prod', '2.2.0');
    await writer.pushBranch(branch, deploy('job-pr2', '2.2.0'));
    const pr = await prs.open({ head: branch, base: 'main', title: 'deploy api 2.2.0' });
    const message = (await git(repo.bare, 'log', '-1', '--format=%B', branch)).trim();
    const [title, ...rest] = message.split('\n');
    await prs.merge(pr.number, { method: 'squash', commitTitle: title!, commitMessage: rest.join('\n').trim() });
    expect((await repo.log()).length).toBe(2); // one squashed commit, no merge commit
    expect(await writer.commitChange(deploy('job-pr2', '2.2.0'))).toMatchObject({ alreadyDone: true });
    expect(github.calls.flatMap((c) => c.violations)).toEqual([]);
  });

  it('a merge of a head that moved since approval is refused; close closes', async () => {
    const branch = reviewBranchName('api', 'prod', '2.3.0');
    const pushed = await writer.pushBranch(branch, deploy('job-pr3', '2.3.0'));
    const pr = await prs.open({ head: branch, base: 'main', title: 't' });
    await repo.commitAsOther({ 'extra.txt': 'sneaky\n' }, 'sneaky change', branch);
    await expect(prs.merge(pr.number, { sha: pushed.sha })).rejects.toMatchObject({ code: 'E_HEAD_CHANGED', message: expect.stringContaining('HTTP 409') });
    expect(await repo.show(PROD.path)).toContain('"2.0.0"');
    expect(await prs.close(pr.number)).toMatchObject({ state: 'closed', merged: false });
    await expect(prs.merge(pr.number)).rejects.toMatchObject({ code: 'E_GITHUB', message: expect.stringContaining('HTTP 405') });
  });

  it('a refused token is E_GIT_AUTH and is not repeated in the message', async () => {
    const bad = new PullRequests({ owner: 'example', repo: 'gitops', token: 'ghp_wrongtoken0123456789abcdefghijkl', baseUrl: github.url });
    const err = (await bad.get(1).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'E_GIT_AUTH' });
    expect(err.message).not.toContain('ghp_wrong');
  });

  it('reads GITHUB_API_URL and GITHUB_TOKEN from the environment', async () => {
    const saved = { url: process.env.GITHUB_API_URL, token: process.env.GITHUB_TOKEN };
    process.env.GITHUB_API_URL = github.url;
    process.env.GITHUB_TOKEN = TOKEN;
    try {
      await expect(new PullRequests({ owner: 'example', repo: 'gitops' }).get(99)).rejects.toMatchObject({ message: expect.stringContaining('HTTP 404') });
      expect(github.calls.at(-1)?.authorization).toBe(`token ${TOKEN}`);
    } finally {
      for (const [k, v] of [['GITHUB_API_URL', saved.url], ['GITHUB_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('the stand-in holds requests to GitHub’s description', () => {
  it('rejects a body with wrong types or unknown fields, and a missing required field', async () => {
    const post = (body: unknown) =>
      fetch(`${github.url}/repos/example/gitops/pulls`, { method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ head: 1, base: 'main', titel: 'x' })).status).toBe(422);
    expect(github.calls.at(-1)?.violations).toEqual(['body.head: expected string, got integer', 'body.titel: not in the description']);
    expect((await post({ head: 'x' })).status).toBe(422);
    expect(github.calls.at(-1)?.violations).toEqual(['body.base: required']);
    const merge = await fetch(`${github.url}/repos/example/gitops/pulls/abc/merge`, { method: 'PUT', headers: { authorization: `token ${TOKEN}` } });
    expect(merge.status).toBe(422);
    expect(github.calls.at(-1)?.violations).toEqual(['path.pull_number: expected integer, got number']);
  });
});
