import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GitopsConfig } from '../core/config/schema.js';
import { DeployHistory, type DeployRecord, type ReadTag } from './deploy-history.js';
import { JOB_ID_PATTERN, JOB_TRAILER, withJobTrailer } from './deploy-message.js';
import { GitopsError } from './errors.js';
import { cacheDirName, parseRemote } from './git-remote.js';
import { GitRunner, isPushConflict } from './git-runner.js';
import { landBatch, type BatchGit, type BatchOutcome } from './batch-landing.js';

/**
 * Writes to the GitOps repository: one local clone per remote under `cacheDir`, reused between
 * jobs. Every change is made on a fresh copy of the remote branch, and a push refused because
 * someone else pushed first is redone on the new head, so concurrent writers (other opsbot
 * workers, CI bots, people) never lose a change and never apply one twice.
 */
export interface RepoWriterOptions extends Pick<GitopsConfig, 'url'>, Partial<Pick<GitopsConfig, 'branch' | 'author' | 'pushRetries'>> {
  cacheDir: string;
  /** HTTPS token (e.g. from GITHUB_TOKEN); sent as a header, never stored. */
  token?: string;
  /** Source of GIT_SSH_COMMAND, SSH_AUTH_SOCK, proxies. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Backoff between push retries: `baseMs * 2^attempt`, jittered, capped at `maxMs`. */
  backoff?: { baseMs: number; maxMs: number };
  gitTimeoutMs?: number;
}

export interface EditOutcome {
  changed: boolean;
}

export interface ChangeRequest<T extends EditOutcome> {
  /** Recorded as the `Opsbot-Job` trailer; a retry of the same job finds its commit instead of committing again. */
  jobId: string;
  /** Runs in the checkout; called again on the new head after a rejected push. */
  edit: (workdir: string) => Promise<T>;
  /** The commit message for this edit's result (the old tag may differ between attempts). */
  message: (result: T) => string;
}

export interface ChangeResult<T> {
  sha: string;
  /** A commit of this job was already on the branch; nothing was committed now. */
  alreadyDone: boolean;
  /** False when the edit found nothing to change (already at the tag): no commit. */
  changed: boolean;
  /** Push attempts made (1 when nobody raced us). */
  attempts: number;
  /** The edit's result on the attempt that landed (absent when alreadyDone). */
  result?: T;
}

/**
 * Work queued per clone directory. Across processes sharing a cache dir, the caller's Redis lock
 * around commitChange applies; the push retry keeps even unlocked writers correct.
 */
const cloneQueues = new Map<string, Promise<void>>();

/** Branches opsbot pushes for pull requests: `opsbot/<app>-<env>-<tag>`. */
export const PR_BRANCH_PATTERN = /^opsbot\/[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/;

export class RepoWriter {
  readonly branch: string;
  readonly workdir: string;
  private readonly git: GitRunner;
  private readonly remoteUrl: string;
  private readonly author: { name: string; email: string };
  private readonly pushRetries: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  /** `remote set-url` once per instance (the URL comes from the config this instance was built from). */
  private urlSet = false;

  constructor(opts: RepoWriterOptions) {
    const remote = parseRemote(opts.url);
    this.remoteUrl = remote.url;
    this.branch = opts.branch ?? 'main';
    this.author = opts.author ?? { name: 'opsbot', email: 'opsbot@localhost' };
    this.pushRetries = opts.pushRetries ?? 5;
    this.backoff = opts.backoff ?? { baseMs: 200, maxMs: 5_000 };
    this.workdir = path.join(opts.cacheDir, cacheDirName(remote));
    this.git = new GitRunner({ remote, ...(opts.token ? { token: opts.token } : {}), ...(opts.env ? { env: opts.env } : {}), ...(opts.gitTimeoutMs ? { timeoutMs: opts.gitTimeoutMs } : {}) });
  }

  /** Commit the edit to the branch and push it, redoing it on the new head when the push races. */
  async commitChange<T extends EditOutcome>(req: ChangeRequest<T>): Promise<ChangeResult<T>> {
    const [outcome] = await this.commitChanges([req as unknown as ChangeRequest<EditOutcome>]);
    if (!outcome) throw new GitopsError('E_GIT', 'no result for the change');
    if (!outcome.ok) throw outcome.error;
    return outcome.value as ChangeResult<T>;
  }

  /**
   * Several changes, ONE commit each (own message and trailer), landed with one fetch, one
   * idempotency scan and one push: a push costs as much as all the local work of a deploy, so
   * queued deploys of one repository share it. An edit that fails fails only its own change.
   */
  commitChanges(reqs: ChangeRequest<EditOutcome>[]): Promise<BatchOutcome[]> {
    return this.exclusive(() => landBatch(this.batchOps(), reqs));
  }

  /** Pull-request mode: the same edit on `branch` (from the base branch), pushed for review. */
  async pushBranch<T extends EditOutcome>(branch: string, req: ChangeRequest<T>): Promise<ChangeResult<T>> {
    validateBranch(branch);
    return this.exclusive(() => this.land(branch, req, true));
  }

  async deleteRemoteBranch(branch: string): Promise<void> {
    validateBranch(branch);
    return this.exclusive(async () => {
      await this.ensureClone();
      const r = await this.git.run(['push', '--porcelain', 'origin', '--delete', `refs/heads/${branch}`], { cwd: this.workdir });
      if (r.exitCode !== 0 && !/remote ref does not exist/i.test(r.stderr)) throw this.git.failure(['push'], r);
    });
  }

  /** The file on the remote branch's head; null when it does not exist there. */
  readFile(file: string): Promise<string | null> {
    return this.exclusive(async () => {
      await this.sync(this.branch);
      return this.history().readAt(this.remoteRef(this.branch), file);
    });
  }

  /** The last `n` deploys recorded in the file's history (see DeployHistory.list). */
  historyOf(file: string, n: number, readTag?: ReadTag): Promise<DeployRecord[]> {
    return this.exclusive(async () => {
      await this.sync(this.branch);
      return this.history().list(this.remoteRef(this.branch), file, n, readTag);
    });
  }

  /** For rollback: the version to go back to (DeployHistory.rollbackTarget), read from the history. */
  rollbackTarget(file: string, readTag: ReadTag, to?: string): Promise<string> {
    return this.exclusive(async () => {
      await this.sync(this.branch);
      return this.history().rollbackTarget(this.remoteRef(this.branch), file, readTag, to);
    });
  }

  private history(): DeployHistory {
    return new DeployHistory(this.git, this.workdir);
  }

  private async land<T extends EditOutcome>(target: string, req: ChangeRequest<T>, forReview: boolean): Promise<ChangeResult<T>> {
    if (!JOB_ID_PATTERN.test(req.jobId)) throw new GitopsError('E_BAD_NAME', `job id "${req.jobId.slice(0, 40)}" is not usable in a commit trailer`);
    await this.ensureClone();
    for (let attempt = 1; attempt <= this.pushRetries + 1; attempt++) {
      await this.sync(this.branch);
      const targetExists = forReview ? await this.fetchOptional(target) : true;
      // Checked on every attempt: a push that succeeded but whose answer was lost shows up here.
      for (const ref of forReview && targetExists ? [target, this.branch] : [this.branch]) {
        const sha = await this.findJobCommit(this.remoteRef(ref), req.jobId);
        if (sha) return { sha, alreadyDone: true, changed: true, attempts: attempt - 1 };
      }
      const base = this.remoteRef(this.branch);
      const expected = targetExists ? await this.git.ok(['rev-parse', this.remoteRef(target)], { cwd: this.workdir }) : '';
      await this.checkout(base);
      const result = await req.edit(this.workdir);
      await this.git.ok(['add', '--all'], { cwd: this.workdir });
      const staged = await this.git.run(['diff', '--cached', '--quiet'], { cwd: this.workdir });
      if (!result.changed || staged.exitCode === 0) {
        const head = (await this.git.ok(['rev-parse', base], { cwd: this.workdir })).trim();
        return { sha: head, alreadyDone: false, changed: false, attempts: attempt - 1, result };
      }
      await this.git.ok(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--file', '-'], {
        cwd: this.workdir,
        input: withJobTrailer(req.message(result), req.jobId),
        extraEnv: {
          GIT_AUTHOR_NAME: this.author.name,
          GIT_AUTHOR_EMAIL: this.author.email,
          GIT_COMMITTER_NAME: this.author.name,
          GIT_COMMITTER_EMAIL: this.author.email,
        },
      });
      const sha = (await this.git.ok(['rev-parse', 'HEAD'], { cwd: this.workdir })).trim();
      // For review branches, --force-with-lease replaces a stale branch of the same name only if
      // it is still what we saw; for the main branch, a plain push is fast-forward only.
      const args = forReview
        ? ['push', '--porcelain', `--force-with-lease=refs/heads/${target}:${expected.trim()}`, 'origin', `HEAD:refs/heads/${target}`]
        : ['push', '--porcelain', 'origin', `HEAD:refs/heads/${target}`];
      const push = await this.git.run(args, { cwd: this.workdir });
      if (push.exitCode === 0) return { sha, alreadyDone: false, changed: true, attempts: attempt, result };
      if (!isPushConflict(push.stderr + push.stdout)) throw this.git.failure(args, push);
      if (attempt <= this.pushRetries) await sleep(this.delay(attempt));
    }
    throw new GitopsError('E_PUSH_CONFLICT', `push to ${target} was rejected ${this.pushRetries + 1} times because others kept pushing first; try again`);
  }

  private delay(attempt: number): number {
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (attempt - 1));
    // Full jitter: racing writers spread out instead of colliding again in lockstep.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private remoteRef(branch: string): string {
    return `refs/remotes/origin/${branch}`;
  }

  private async findJobCommit(ref: string, jobId: string): Promise<string | null> {
    const out = await this.git.ok(
      ['log', ref, '--fixed-strings', `--grep=${JOB_TRAILER}: ${jobId}`, `--format=%H%x1f%(trailers:key=${JOB_TRAILER},valueonly,separator=%x1f)%x1e`],
      { cwd: this.workdir },
    );
    for (const record of out.split('\x1e')) {
      const [sha, ...values] = record.trim().split('\x1f');
      if (sha && values.some((v) => v.trim() === jobId)) return sha;
    }
    return null;
  }

  private batchOps(): BatchGit {
    return {
      git: this.git,
      workdir: this.workdir,
      base: this.remoteRef(this.branch),
      branch: this.branch,
      author: this.author,
      pushRetries: this.pushRetries,
      delay: (attempt) => this.delay(attempt),
      sync: () => this.sync(this.branch),
      checkout: (ref) => this.checkout(ref),
    };
  }

  private async ensureClone(): Promise<void> {
    const exists = await stat(path.join(this.workdir, '.git')).then(() => true, () => false);
    if (exists && this.urlSet) {
      await rm(path.join(this.workdir, '.git', 'index.lock'), { force: true });
      return;
    }
    this.urlSet = true;
    if (!exists) {
      await mkdir(this.workdir, { recursive: true });
      await this.git.ok(['init', '--quiet', this.workdir], { cwd: path.dirname(this.workdir) });
      await this.git.ok(['remote', 'add', 'origin', this.remoteUrl], { cwd: this.workdir });
    } else {
      await this.git.ok(['remote', 'set-url', 'origin', this.remoteUrl], { cwd: this.workdir });
      // A crash mid-command leaves this behind; only this process uses the clone now.
      await rm(path.join(this.workdir, '.git', 'index.lock'), { force: true });
    }
  }

  private async sync(branch: string): Promise<void> {
    await this.ensureClone();
    await this.git.ok(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:${this.remoteRef(branch)}`], { cwd: this.workdir });
  }

  /** Fetches a branch that may not exist; returns whether it does. */
  private async fetchOptional(branch: string): Promise<boolean> {
    const out = await this.git.ok(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`], { cwd: this.workdir });
    if (!out.trim()) {
      await this.git.run(['update-ref', '-d', this.remoteRef(branch)], { cwd: this.workdir });
      return false;
    }
    await this.sync(branch);
    return true;
  }

  private async checkout(ref: string): Promise<void> {
    // -B with --force resets the branch, the index and the tracked files to `ref` (no separate reset).
    await this.git.ok(['checkout', '--quiet', '--force', '-B', 'opsbot-work', ref], { cwd: this.workdir });
    await this.git.ok(['clean', '--quiet', '-ffdx'], { cwd: this.workdir });
  }

  /** One operation at a time per clone directory in this process (even across instances). */
  private exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = (cloneQueues.get(this.workdir) ?? Promise.resolve()).then(fn, fn);
    const tail = run.then(() => undefined, () => undefined);
    cloneQueues.set(this.workdir, tail);
    void tail.then(() => {
      if (cloneQueues.get(this.workdir) === tail) cloneQueues.delete(this.workdir);
    });
    return run;
  }
}

function validateBranch(branch: string): void {
  if (!PR_BRANCH_PATTERN.test(branch) || branch.includes('..') || branch.endsWith('.lock') || branch.endsWith('.')) {
    throw new GitopsError('E_BAD_NAME', `"${branch.slice(0, 80)}" is not a branch opsbot may push (expected opsbot/<app>-<env>-<tag>)`);
  }
}

/** `opsbot/web-prod-1.5.0`; a digest is shortened to keep the name readable. */
export function reviewBranchName(app: string, env: string, ref: string): string {
  const label = ref.startsWith('sha256:') ? `sha256-${ref.slice(7, 19)}` : ref;
  const branch = `opsbot/${app}-${env}-${label}`;
  validateBranch(branch);
  return branch;
}
