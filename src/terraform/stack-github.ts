import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import type { Redis } from 'ioredis';
import type { StackConfig } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';
import { acquireLock } from '../core/redis-lock.js';

/**
 * A stack's GitHub repository as the plan and apply paths use it: pull requests (to plan, to
 * check before apply), reviews, one plan comment per stack and pull request, and commit
 * statuses. `GITHUB_API_URL` points at GitHub Enterprise (or the stand-in in tests); the token
 * is `GITHUB_TOKEN`.
 */

export interface PullView {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  /** GitHub computes it in the background: null until it has. */
  mergeable: boolean | null;
  headRef: string;
  headSha: string;
  /** The head is in another repository (a fork), or that repository is gone. */
  fork: boolean;
  author: string;
}

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

export interface StackGitHub {
  readonly repo: string;
  /** Undefined when there is no such pull request. */
  pull(number: number): Promise<PullView | undefined>;
  /** Latest review of each reviewer: approved by someone, and who still requests changes. */
  reviews(number: number): Promise<{ approvedBy: string[]; changesRequestedBy: string[] }>;
  /** Creates the comment carrying `marker`, or edits it if it is already there: one comment per marker. */
  upsertComment(number: number, marker: string, body: string): Promise<{ id: number; url: string; updated: boolean }>;
  /** Edits the comment carrying `marker` as `change` says (undefined: leave it); whether it was changed. */
  editComment(number: number, marker: string, change: (body: string) => string | undefined): Promise<boolean>;
  setStatus(sha: string, status: { context: string; state: StatusState; description: string; targetUrl?: string }): Promise<void>;
}

/**
 * How long a writer of one plan comment waits for another: one comment's read and write take a
 * few GitHub round trips.
 */
const COMMENT_LOCK = { ttlMs: 30_000, waitMs: 60_000 };

/**
 * One client per stack repository, built on demand from the worker's environment. With Redis,
 * the writes of one plan comment (a plan's, a re-plan's, the chat link's) take turns across
 * workers: each reads the comment and writes it back, and GitHub has no conditional update, so
 * without turns a link added to the old plan could overwrite the new one, and two first plans
 * could each create a comment.
 */
export class GitHubRepos {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly redis?: Redis,
  ) {}

  /** The stack's repository; a clear refusal when the stack names none. */
  forStack(name: string, stack: Pick<StackConfig, 'github'>): StackGitHub {
    if (!stack.github) {
      throw new OpsbotError('E_NO_GITHUB', `Stack ${name} has no GitHub repository (stacks.${name}.github in the config), so it cannot plan pull requests. Nothing was planned.`);
    }
    return new OctokitStackGitHub(stack.github.owner, stack.github.repo, this.env, this.redis);
  }
}

class OctokitStackGitHub implements StackGitHub {
  readonly repo: string;
  private readonly octokit: Octokit;
  private readonly at: { owner: string; repo: string };

  constructor(
    owner: string,
    repo: string,
    env: NodeJS.ProcessEnv,
    private readonly redis?: Redis,
  ) {
    this.repo = `${owner}/${repo}`;
    this.at = { owner, repo };
    // Octokit logs every 4xx itself; each failure here becomes one typed error instead.
    const quiet = () => undefined;
    this.octokit = new Octokit({
      auth: env.GITHUB_TOKEN || undefined,
      baseUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
      userAgent: 'opsbot',
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  }

  async pull(number: number): Promise<PullView | undefined> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...this.at, pull_number: number });
      return {
        number: data.number,
        url: data.html_url,
        state: data.state === 'closed' ? 'closed' : 'open',
        merged: Boolean(data.merged ?? data.merged_at),
        mergeable: data.mergeable ?? null,
        headRef: data.head.ref,
        headSha: data.head.sha,
        fork: data.head.repo?.full_name !== data.base.repo.full_name,
        author: data.user.login,
      };
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw this.failure(`read pull request #${number}`, err);
    }
  }

  async reviews(number: number): Promise<{ approvedBy: string[]; changesRequestedBy: string[] }> {
    const list = await this.call(`read the reviews of #${number}`, () => this.octokit.paginate(this.octokit.rest.pulls.listReviews, { ...this.at, pull_number: number, per_page: 100 }));
    // A reviewer's latest approving or blocking review counts; comments leave it as it was.
    const latest = new Map<string, string>();
    for (const r of list) {
      if (!r.user || !['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state)) continue;
      latest.set(r.user.login, r.state);
    }
    const by = (state: string) => [...latest].filter(([, s]) => s === state).map(([u]) => u);
    return { approvedBy: by('APPROVED'), changesRequestedBy: by('CHANGES_REQUESTED') };
  }

  async upsertComment(number: number, marker: string, body: string): Promise<{ id: number; url: string; updated: boolean }> {
    return this.inTurn(number, marker, async () => {
      const text = `${marker}\n${body}`;
      const mine = await this.commentWith(number, marker);
      if (mine) {
        const { data } = await this.call(`edit the plan comment on #${number}`, () => this.octokit.rest.issues.updateComment({ ...this.at, comment_id: mine.id, body: text }));
        return { id: data.id, url: data.html_url, updated: true };
      }
      const { data } = await this.call(`comment on #${number}`, () => this.octokit.rest.issues.createComment({ ...this.at, issue_number: number, body: text }));
      return { id: data.id, url: data.html_url, updated: false };
    });
  }

  async editComment(number: number, marker: string, change: (body: string) => string | undefined): Promise<boolean> {
    return this.inTurn(number, marker, async () => {
      const mine = await this.commentWith(number, marker);
      const body = mine?.body ? change(mine.body) : undefined;
      if (!mine || body === undefined || body === mine.body) return false;
      await this.call(`edit the plan comment on #${number}`, () => this.octokit.rest.issues.updateComment({ ...this.at, comment_id: mine.id, body }));
      return true;
    });
  }

  /** Runs one read-and-write of the comment carrying `marker` while no other writer of it does (see GitHubRepos). */
  private async inTurn<T>(number: number, marker: string, write: () => Promise<T>): Promise<T> {
    if (!this.redis) return write();
    const which = createHash('sha256').update(`${this.repo}#${number}\n${marker}`).digest('hex').slice(0, 24);
    const lock = await acquireLock(this.redis, `opsbot:lock:pr-comment:${which}`, { ...COMMENT_LOCK, holder: `${this.repo}#${number}` });
    try {
      return await write();
    } finally {
      await lock.release();
    }
  }

  private async commentWith(number: number, marker: string): Promise<{ id: number; body?: string } | undefined> {
    const comments = await this.call(`read the comments of #${number}`, () => this.octokit.paginate(this.octokit.rest.issues.listComments, { ...this.at, issue_number: number, per_page: 100 }));
    return comments.find((c) => c.body?.startsWith(marker));
  }

  async setStatus(sha: string, status: { context: string; state: StatusState; description: string; targetUrl?: string }): Promise<void> {
    await this.call(`set the ${status.context} status`, () =>
      this.octokit.rest.repos.createCommitStatus({
        ...this.at,
        sha,
        context: status.context,
        state: status.state,
        // GitHub refuses descriptions over 140 characters.
        description: status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      }),
    );
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  private failure(what: string, err: unknown): OpsbotError {
    const code = httpStatus(err);
    const reason = code === 401 ? 'the GitHub token was refused' : code === 403 ? 'the GitHub token may not do this' : err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new OpsbotError(code === 401 || code === 403 ? 'E_GIT_AUTH' : 'E_GITHUB', `Could not ${what} in ${this.repo}: ${reason}${code ? ` (HTTP ${code})` : ''}.`);
  }
}

function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : undefined;
}
