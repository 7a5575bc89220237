import type { Redis } from 'ioredis';
import { acquireLock } from '../core/redis-lock.js';
import type { ChangeRequest, ChangeResult, EditOutcome } from './change.js';
import { CommitBatcher } from './commit-batcher.js';
import type { CommitRelation, LineageQuestion } from './commit-lineage.js';
import type { DeployRecord, ReadTag } from './deploy-history.js';
import type { RepoWriter } from './repo-writer.js';

/**
 * Writes to one GitOps repository are serialised across all workers by a Redis lease. git's
 * own compare-and-swap on the branch already makes concurrent pushes safe (the writer redoes a
 * rejected push on the new head), so the lease is about throughput and clone safety: N workers
 * racing on one branch would each fetch, edit and push again per lost race, and processes that
 * share a clone directory must not run git in it at the same time. The lease is held only for
 * the commit and push, not for any follow-up, so one slow deploy never blocks the next.
 */
const LEASE_TTL_MS = 60_000;
const LEASE_WAIT_MS = 10 * 60_000;
/**
 * A waiting worker looks again at least this often: the lease is held for a few hundred ms per
 * batch, so the default 500 ms poll ceiling left the repository idle about half the time
 * (bench/deploy-throughput.ts, two workers).
 */
const LEASE_POLL_MAX_MS = 50;

/**
 * The GitOps repository as this process uses it, built once at start: the writer (one reused
 * clone), the cross-process lease (`opsbot:lock:repo:<configured url>`) and the batcher that
 * lets the changes waiting in this process share one lease hold and one push.
 */
export class GitopsRepository {
  private readonly batcher: CommitBatcher;

  constructor(
    private readonly writer: RepoWriter,
    opts: { redis: Redis; /** The URL as configured: the lease is named after it. */ url: string },
  ) {
    const lease = () =>
      acquireLock(opts.redis, `opsbot:lock:repo:${opts.url}`, { ttlMs: LEASE_TTL_MS, waitMs: LEASE_WAIT_MS, holder: `deploy batch (pid ${process.pid})`, pollMaxMs: LEASE_POLL_MAX_MS });
    this.batcher = new CommitBatcher((target, reqs) => writer.land(target, reqs), lease);
  }

  /** The branch Argo CD follows. */
  get branch(): string {
    return this.writer.branch;
  }

  /** Commit one change to the branch Argo CD follows, batched with the others waiting here. */
  commit<T extends EditOutcome>(change: ChangeRequest<T>, signal?: AbortSignal): Promise<ChangeResult<T>> {
    return this.batcher.submit(change, this.writer.mainTarget, signal);
  }

  /** Push one change to a review branch made from the main branch (a batch of one). */
  async pushForReview<T extends EditOutcome>(branch: string, change: ChangeRequest<T>, signal?: AbortSignal): Promise<ChangeResult<T>> {
    return this.batcher.submit(change, this.writer.reviewTarget(branch), signal);
  }

  deleteBranch(branch: string): Promise<void> {
    return this.writer.deleteRemoteBranch(branch);
  }

  readFile(file: string): Promise<string | null> {
    return this.writer.readFile(file);
  }

  manifestFiles(dir: string, recurse: boolean): Promise<Map<string, string>> {
    return this.writer.manifestFiles(dir, recurse);
  }

  history(file: string, n: number, readTag?: ReadTag): Promise<DeployRecord[]> {
    return this.writer.historyOf(file, n, readTag);
  }

  rollbackTarget(file: string, readTag: ReadTag, to?: string): Promise<string> {
    return this.writer.rollbackTarget(file, readTag, to);
  }

  /** Whether a revision Argo CD reports contains (or supersedes) a deploy's commit. */
  relate(q: LineageQuestion): Promise<CommitRelation> {
    return this.writer.relate(q);
  }
}
