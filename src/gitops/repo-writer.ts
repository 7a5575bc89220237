import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { backoffDelay } from '../core/backoff.js';
import type { GitopsConfig } from '../core/config/schema.js';
import { landBatch, remoteRef, type LandingClone } from './batch-landing.js';
import type { ChangeRequest, ChangeResult, EditOutcome, LandOutcome, LandTarget } from './change.js';
import { CommitLineage, type CommitRelation, type LineageQuestion } from './commit-lineage.js';
import { DeployHistory, type DeployRecord, type ReadTag } from './deploy-history.js';
import { GitopsError } from './errors.js';
import { cacheDirName, parseRemote } from './git-remote.js';
import type { Signing } from './commit-signing.js';
import { GitRunner } from './git-runner.js';

/**
 * Writes to the GitOps repository: one local clone per remote under `cacheDir`, reused between
 * jobs. Every change is made on a fresh copy of the remote branch, and a push refused because
 * someone else pushed first is redone on the new head (`landBatch`), so concurrent writers
 * (other opsbot workers, CI bots, people) never lose a change and never apply one twice.
 */

/** Files read to find an app's manifest in a plain-manifest directory (manifestFiles). */
const MAX_SCANNED = 200;
export interface RepoWriterOptions extends Pick<GitopsConfig, 'url'>, Partial<Pick<GitopsConfig, 'branch' | 'author' | 'pushRetries'>> {
  cacheDir: string;
  /** HTTPS token (e.g. from GITHUB_TOKEN); sent as a header, never stored. */
  token?: string;
  /** Source of GIT_SSH_COMMAND, SSH_AUTH_SOCK, proxies. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Backoff between push retries: `baseMs * 2^attempt`, jittered, capped at `maxMs`. */
  backoff?: { baseMs: number; maxMs: number };
  gitTimeoutMs?: number;
  /** gitops.signing, prepared (prepareSigning): every commit is signed by git. */
  signing?: Signing;
}

export type { ChangeRequest, ChangeResult, EditOutcome } from './change.js';

/**
 * Work queued per clone directory. Across processes sharing a cache dir, the repository lease
 * (GitopsRepository) applies; the push retry keeps even unleased writers correct.
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
  private readonly sign: boolean;
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
    this.sign = opts.signing !== undefined;
    this.git = new GitRunner({
      remote,
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.gitTimeoutMs ? { timeoutMs: opts.gitTimeoutMs } : {}),
      ...(opts.signing ? { config: opts.signing.config, extraEnv: opts.signing.env } : {}),
    });
  }

  /** The branch Argo CD follows: changes land on it directly. */
  get mainTarget(): LandTarget {
    return { branch: this.branch, base: this.branch, push: 'fast-forward' };
  }

  /** A review branch `opsbot/<app>-<env>-<tag>`, made from the main branch. */
  reviewTarget(branch: string): LandTarget {
    validateBranch(branch);
    return { branch, base: this.branch, push: 'replace' };
  }

  /**
   * Lands changes on `target` (see landBatch): ONE commit each (own message and trailer), one
   * fetch, one idempotency scan and one push for all of them. An edit that fails fails only its
   * own change.
   */
  land(target: LandTarget, reqs: ChangeRequest<EditOutcome>[]): Promise<LandOutcome[]> {
    return this.exclusive(() => landBatch(this.clone(), target, reqs));
  }

  /** Commit the edit to the branch and push it, redoing it on the new head when the push races. */
  commitChange<T extends EditOutcome>(req: ChangeRequest<T>): Promise<ChangeResult<T>> {
    return this.landOne(this.mainTarget, req);
  }

  /** Pull-request mode: the same edit on `branch` (from the base branch), pushed for review. */
  async pushBranch<T extends EditOutcome>(branch: string, req: ChangeRequest<T>): Promise<ChangeResult<T>> {
    return this.landOne(this.reviewTarget(branch), req);
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
      await this.fetch(this.branch);
      return this.history().readAt(remoteRef(this.branch), file);
    });
  }

  /**
   * The YAML files under `dir` on the remote branch's head (below it too with `recurse`, as
   * Argo CD's `directory.recurse` reads them), with their text: at most MAX_SCANNED files of at
   * most 1 MiB, so a huge directory costs a bounded read.
   */
  manifestFiles(dir: string, recurse: boolean): Promise<Map<string, string>> {
    return this.exclusive(async () => {
      await this.fetch(this.branch);
      const ref = remoteRef(this.branch);
      const listed = await this.git.run(['ls-tree', ...(recurse ? ['-r'] : []), '--name-only', ref, '--', dir === '.' ? '.' : `${dir}/`], { cwd: this.workdir });
      if (listed.exitCode !== 0) throw this.git.failure(['ls-tree'], listed);
      const files = listed.stdout.split('\n').filter((f) => /\.ya?ml$/.test(f)).slice(0, MAX_SCANNED);
      const out = new Map<string, string>();
      for (const file of files) {
        const text = await this.history().readAt(ref, file);
        if (text !== null && text.length <= 1 << 20) out.set(file, text);
      }
      return out;
    });
  }

  /** The last `n` deploys recorded in the file's history (see DeployHistory.list). */
  historyOf(file: string, n: number, readTag?: ReadTag): Promise<DeployRecord[]> {
    return this.exclusive(async () => {
      await this.fetch(this.branch);
      return this.history().list(remoteRef(this.branch), file, n, readTag);
    });
  }

  /** For rollback: the version to go back to (DeployHistory.rollbackTarget), read from the history. */
  rollbackTarget(file: string, readTag: ReadTag, to?: string): Promise<string> {
    return this.exclusive(async () => {
      await this.fetch(this.branch);
      return this.history().rollbackTarget(remoteRef(this.branch), file, readTag, to);
    });
  }

  /**
   * How a revision Argo CD reports relates to a deploy's commit (CommitLineage). Reading objects
   * needs no turn in the clone's queue (a landing in progress never rewrites existing commits);
   * only a fetch for a commit the clone lacks does.
   */
  async relate(q: LineageQuestion): Promise<CommitRelation> {
    const fetchBranch = () => this.exclusive(async () => void (await this.fetch(this.branch)));
    if (!(await stat(path.join(this.workdir, '.git')).then(() => true, () => false))) await fetchBranch();
    return new CommitLineage(this.git, this.workdir, fetchBranch).relate(q);
  }

  private async landOne<T extends EditOutcome>(target: LandTarget, req: ChangeRequest<T>): Promise<ChangeResult<T>> {
    const [outcome] = await this.land(target, [req as unknown as ChangeRequest<EditOutcome>]);
    if (!outcome) throw new GitopsError('E_GIT', 'no result for the change');
    if (!outcome.ok) throw outcome.error;
    return outcome.value as ChangeResult<T>;
  }

  private history(): DeployHistory {
    return new DeployHistory(this.git, this.workdir);
  }

  private clone(): LandingClone {
    return {
      git: this.git,
      workdir: this.workdir,
      author: this.author,
      pushRetries: this.pushRetries,
      sign: this.sign,
      delay: (attempt) => backoffDelay(attempt - 1, this.backoff),
      fetch: (branch, opts) => this.fetch(branch, opts),
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

  private async fetch(branch: string, opts: { optional: boolean } = { optional: false }): Promise<boolean> {
    await this.ensureClone();
    if (opts.optional) {
      const out = await this.git.ok(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`], { cwd: this.workdir });
      if (!out.trim()) {
        await this.git.run(['update-ref', '-d', remoteRef(branch)], { cwd: this.workdir });
        return false;
      }
    }
    await this.git.ok(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:${remoteRef(branch)}`], { cwd: this.workdir });
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
