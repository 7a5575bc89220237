import type { Logger } from '../core/logger.js';
import type { Actor, ConversationRef, Message } from '../core/message.js';
import type { FollowUp } from './outbox.js';
import type { Reporter } from './reporter.js';

export type JobAnswer = 'answered' | 'refused';

/** What every queued job carries besides its own payload. */
export interface JobEnvelope<P = unknown> {
  /** Public job id, as users type it (`/cancel 12`). */
  id: string;
  /**
   * Unique across Redis resets (the public id restarts at 1 with a fresh Redis): what durable
   * records outside Redis, such as the `Opsbot-Job` commit trailer, use (`<id>-<random>`).
   */
  uid: string;
  kind: string;
  requester: Actor;
  conversation: ConversationRef;
  /** Short description of what it acts on, for /jobs and the audit (`web@prod`, `stack local`). */
  target: string;
  payload: P;
  createdAt: string;
}

export interface JobContext<P> {
  job: JobEnvelope<P>;
  reporter: Reporter;
  /** Aborted on /cancel or on shutdown after the grace period. */
  signal: AbortSignal;
  log: Logger;
  /** 1 on the first run, higher on retries and on recovery after a worker died. */
  attempt: number;
  /** Adds to the detail of the job's audit entry (e.g. which key verified a signature). */
  note?(detail: string): void;
}

/**
 * One kind of slow work. A handler receives its payload and a Reporter; it never knows which
 * chat asked. It returns the final message, or throws (an OpsbotError's text reaches the chat).
 */
export interface JobKind<P = unknown> {
  name: string;
  /**
   * Safe to run again from the start after a crash or a failure. Non-idempotent kinds (apply)
   * are never re-run: a second start is reported as interrupted for a human to look at.
   */
  idempotent: boolean;
  /** Tries in all for idempotent kinds (with exponential backoff). */
  attempts?: number;
  /**
   * Jobs of this kind one process runs at once, when it should differ from workers.concurrency:
   * a kind that mostly waits (deploy: for the repository lease, then for Argo CD) would
   * otherwise hold every slot while doing nothing.
   */
  concurrency?: number;
  /**
   * Error codes that are transient for this kind: an OpsbotError with one of them is retried
   * with backoff (idempotent kinds only) instead of failing at once. Others fail at once.
   */
  retryOn?: readonly string[];
  /**
   * Error codes that answer the question instead of failing the job: `answered` ("not
   * connected to a cluster", "no such Application" — exit 0 in `console --exec`) or `refused`
   * (nothing was done and cannot be: "not in the history" — exit 2). The job ends with the
   * error's one-line text; it is not retried and never counted as failed.
   */
  answers?: Readonly<Partial<Record<string, JobAnswer>>>;
  /** No conversation to report to (notifications): outcomes go to the audit and metrics only. */
  quiet?: boolean;
  /**
   * How often a job of this kind may be found stalled (its worker died, or was starved of CPU
   * past its lock) and still be run again before BullMQ fails it; default 1. A kind whose job
   * is the only record that work is owed (notify: the announcement counts as handed off once
   * queued) takes more — running it again is cheap, losing it is not.
   */
  maxStalls?: number;
  /**
   * What a second start of a non-idempotent job says (the worker running it died), when the
   * kind knows better than the generic text — apply: "state may be partly applied".
   */
  interruptedMessage?(job: JobEnvelope<P>): string;
  /**
   * Work that waits for the job's final message to be in chat, when it succeeded: queued by the
   * delivery loop with where the message landed (a plan's pull request comment links it).
   */
  afterDelivery?(job: JobEnvelope<P>): FollowUp | undefined;
  run(ctx: JobContext<P>): Promise<Message>;
}
