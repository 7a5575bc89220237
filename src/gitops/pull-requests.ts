import { Octokit } from '@octokit/rest';
import { GitopsError } from './errors.js';
import { redactGitOutput } from './git-redact.js';

/**
 * Pull requests for protected environments: opsbot pushes `opsbot/<app>-<env>-<tag>`, opens a
 * PR, and merges it once the approval is given in chat. `GITHUB_API_URL` points at GitHub
 * Enterprise (or a local stand-in in tests); the token comes from `GITHUB_TOKEN`.
 */
export interface PullRequestsOptions {
  owner: string;
  repo: string;
  /** Default: process.env.GITHUB_TOKEN */
  token?: string;
  /** Default: process.env.GITHUB_API_URL, else https://api.github.com */
  baseUrl?: string;
}

export interface PullRequestInfo {
  number: number;
  /** Web address for chat links. */
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  mergeCommitSha: string | null;
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

interface PullsData {
  number: number;
  html_url: string;
  state: string;
  merged?: boolean | null;
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
}

function info(pr: PullsData): PullRequestInfo {
  return {
    number: pr.number,
    url: pr.html_url,
    state: pr.state === 'closed' ? 'closed' : 'open',
    merged: Boolean(pr.merged ?? pr.merged_at),
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    mergeCommitSha: pr.merge_commit_sha,
  };
}

export class PullRequests {
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly repo: string;
  private readonly token: string;

  constructor(opts: PullRequestsOptions) {
    this.owner = opts.owner;
    this.repo = opts.repo;
    this.token = opts.token ?? process.env.GITHUB_TOKEN ?? '';
    const baseUrl = opts.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com';
    // Octokit logs every 4xx itself; here each failure becomes one typed error for the caller instead.
    const quiet = () => undefined;
    this.octokit = new Octokit({
      auth: this.token || undefined,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      userAgent: 'opsbot',
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  }

  /** Opens a PR; if one is already open for this branch (a retried job), returns that one. */
  async open(req: { head: string; base: string; title: string; body?: string }): Promise<PullRequestInfo> {
    try {
      const { data } = await this.octokit.rest.pulls.create({ owner: this.owner, repo: this.repo, head: req.head, base: req.base, title: req.title, body: req.body ?? '' });
      return info(data);
    } catch (err) {
      if (status(err) === 422) {
        const { data } = await this.call('list pull requests', () =>
          this.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, head: `${this.owner}:${req.head}`, base: req.base, state: 'open' }),
        );
        const existing = data[0];
        if (existing) return info(existing as PullsData);
      }
      throw this.failure('open a pull request', err);
    }
  }

  async get(number: number): Promise<PullRequestInfo> {
    const { data } = await this.call('read the pull request', () => this.octokit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: number }));
    return info(data);
  }

  /**
   * Merges, but only if the head is still `sha` (what was approved). Pass the deploy message as
   * commit title/message with squash, so the `Opsbot-Job` trailer lands on the base branch.
   */
  async merge(number: number, opts: { sha?: string; method?: MergeMethod; commitTitle?: string; commitMessage?: string } = {}): Promise<{ sha: string }> {
    const { data } = await this.call('merge the pull request', () =>
      this.octokit.rest.pulls.merge({
        owner: this.owner,
        repo: this.repo,
        pull_number: number,
        merge_method: opts.method ?? 'merge',
        ...(opts.sha ? { sha: opts.sha } : {}),
        ...(opts.commitTitle ? { commit_title: opts.commitTitle } : {}),
        ...(opts.commitMessage ? { commit_message: opts.commitMessage } : {}),
      }),
    );
    return { sha: data.sha };
  }

  async close(number: number): Promise<PullRequestInfo> {
    const { data } = await this.call('close the pull request', () =>
      this.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: number, state: 'closed' }),
    );
    return info(data);
  }

  /** Deletes the PR branch through the API (when the git remote is not writable for deletes). */
  async deleteBranch(branch: string): Promise<void> {
    try {
      await this.octokit.rest.git.deleteRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` });
    } catch (err) {
      if (status(err) !== 422 && status(err) !== 404) throw this.failure('delete the branch', err);
    }
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  private failure(what: string, err: unknown): GitopsError {
    const code = status(err);
    const message = err instanceof Error ? err.message : String(err);
    const reason = code === 401 ? 'the GitHub token was refused' : code === 405 ? 'GitHub says it is not mergeable' : code === 409 ? 'its head is no longer the commit opsbot pushed (someone pushed to its branch)' : message;
    // 409 is GitHub's answer to a merge whose `sha` is not the head ("Head branch was modified").
    return new GitopsError(code === 401 || code === 403 ? 'E_GIT_AUTH' : code === 409 ? 'E_HEAD_CHANGED' : 'E_GITHUB', redactGitOutput(`could not ${what} in ${this.owner}/${this.repo}: ${reason}${code ? ` (HTTP ${code})` : ''}`, [this.token]));
  }
}

function status(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined;
}
