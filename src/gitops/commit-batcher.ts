import { OpsbotError } from '../core/errors.js';
import type { HeldLock } from '../core/redis-lock.js';
import type { ChangeRequest, ChangeResult, EditOutcome, LandOutcome, LandTarget } from './change.js';

interface Entry {
  req: ChangeRequest<EditOutcome>;
  target: LandTarget;
  resolve: (r: ChangeResult<EditOutcome>) => void;
  reject: (err: unknown) => void;
}

/** What the batcher lands with: the repository writer's loop (RepoWriter.land). */
export type Land = (target: LandTarget, reqs: ChangeRequest<EditOutcome>[]) => Promise<LandOutcome[]>;

/**
 * Changes of one repository waiting in this process go through the repository lease together:
 * the first one to arrive takes the lease, lands every change for the same branch queued by
 * then (one commit each, one push) and gives it back; changes that arrive meanwhile form the
 * next batch. A review branch is a batch of one. Each caller still gets its own result.
 */
export class CommitBatcher {
  private pending: Entry[] = [];
  private leading = false;

  constructor(
    private readonly land: Land,
    /** Takes the cross-process lease on the repository (a Redis lock). */
    private readonly lease: () => Promise<HeldLock>,
    private readonly maxBatch = 25,
  ) {}

  submit<T extends EditOutcome>(req: ChangeRequest<T>, target: LandTarget, signal?: AbortSignal): Promise<ChangeResult<T>> {
    return new Promise<ChangeResult<T>>((resolve, reject) => {
      const entry: Entry = { req: req as unknown as ChangeRequest<EditOutcome>, target, resolve: resolve as (r: ChangeResult<EditOutcome>) => void, reject };
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
        const batch = this.nextBatch();
        try {
          const outcomes = await this.land(batch[0]!.target, batch.map((e) => e.req));
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

  /** The oldest change and, when it goes to a branch that moves forward, the others for that branch. */
  private nextBatch(): Entry[] {
    const first = this.pending[0]!;
    const batch =
      first.target.push === 'fast-forward'
        ? this.pending.filter((e) => e.target.push === 'fast-forward' && e.target.branch === first.target.branch).slice(0, this.maxBatch)
        : [first];
    this.pending = this.pending.filter((e) => !batch.includes(e));
    return batch;
  }
}
