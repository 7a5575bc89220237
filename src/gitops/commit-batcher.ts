import { OpsbotError } from '../core/errors.js';
import type { HeldLock } from '../core/redis-lock.js';
import type { ChangeRequest, ChangeResult, EditOutcome, RepoWriter } from './repo-writer.js';

interface Entry {
  req: ChangeRequest<EditOutcome>;
  resolve: (r: ChangeResult<EditOutcome>) => void;
  reject: (err: unknown) => void;
}

/**
 * Deploys of one repository that are waiting in this process go through the repository lease
 * together: the first one to arrive takes the lease, lands every change queued by then (one
 * commit each, one push: `RepoWriter.commitChanges`) and gives it back; changes that arrive
 * meanwhile form the next batch. Each caller still gets its own commit and its own result.
 */
export class CommitBatcher {
  private pending: Entry[] = [];
  private leading = false;

  constructor(
    private readonly writer: RepoWriter,
    /** Takes the cross-process lease on the repository (a Redis lock). */
    private readonly lease: () => Promise<HeldLock>,
    private readonly maxBatch = 25,
  ) {}

  submit<T extends EditOutcome>(req: ChangeRequest<T>, signal?: AbortSignal): Promise<ChangeResult<T>> {
    return new Promise<ChangeResult<T>>((resolve, reject) => {
      const entry: Entry = { req: req as unknown as ChangeRequest<EditOutcome>, resolve: resolve as (r: ChangeResult<EditOutcome>) => void, reject };
      this.pending.push(entry);
      // Cancelled while still waiting: drop it; once its batch has started it lands or fails with it.
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.pending.indexOf(entry);
          if (i >= 0) {
            this.pending.splice(i, 1);
            reject(new OpsbotError('E_CANCELLED', 'cancelled while waiting for the GitOps repository'));
          }
        },
        { once: true },
      );
      void this.lead();
    });
  }

  private async lead(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    try {
      while (this.pending.length > 0) {
        let lock: HeldLock;
        try {
          lock = await this.lease();
        } catch (err) {
          for (const e of this.pending.splice(0)) e.reject(err);
          return;
        }
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const outcomes = await this.writer.commitChanges(batch.map((e) => e.req));
          batch.forEach((e, i) => {
            const o = outcomes[i];
            if (o?.ok) e.resolve(o.value);
            else e.reject(o ? o.error : new OpsbotError('E_INTERNAL', 'no outcome for a batched change'));
          });
        } catch (err) {
          for (const e of batch) e.reject(err);
        } finally {
          await lock.release();
        }
      }
    } finally {
      this.leading = false;
    }
  }
}
