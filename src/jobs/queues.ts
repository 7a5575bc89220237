import { createHash, randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { OpsbotError } from '../core/errors.js';
import type { Actor, ConversationRef } from '../core/message.js';
import type { JobEnvelope, JobKind } from './kind.js';

export const QUEUE_PREFIX = 'opsbot';
const SEQ_KEY = 'opsbot:jobs:seq';
const INDEX_KEY = 'opsbot:jobs:index';
const INDEX_LIMIT = 1000;
export const CANCEL_CHANNEL = 'opsbot:cancel';
export const cancelKey = (id: string) => `opsbot:job:${id}:cancel`;

/** BullMQ refuses integer custom ids; users see `12`, BullMQ stores `job-12`. */
export const bullId = (id: string) => `job-${id}`;

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

export interface JobSummary {
  id: string;
  kind: string;
  state: JobState;
  requester: Actor;
  target: string;
  createdAt: string;
  finishedAt?: string;
  outcome?: string;
}

/**
 * The producer side: one BullMQ queue per job kind. Used on the request path, so its Redis
 * connection fails fast: a user hears "queue unavailable, try again" instead of waiting.
 */
export class JobQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly kinds: ReadonlyMap<string, JobKind>,
  ) {
    for (const kind of kinds.values()) {
      this.queues.set(kind.name, new Queue(kind.name, { connection: redis, prefix: QUEUE_PREFIX }));
    }
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  queue(kind: string): Queue {
    const q = this.queues.get(kind);
    if (!q) throw new OpsbotError('E_INTERNAL', `no queue for job kind ${kind}`);
    return q;
  }

  async enqueue<P>(kindName: string, payload: P, meta: { requester: Actor; conversation: ConversationRef; target: string }): Promise<JobEnvelope<P>> {
    const kind = this.kinds.get(kindName);
    if (!kind) throw new OpsbotError('E_INTERNAL', `unknown job kind ${kindName}`);
    try {
      const n = await this.redis.incr(SEQ_KEY);
      const envelope: JobEnvelope<P> = {
        id: String(n),
        uid: `${n}-${randomBytes(4).toString('hex')}`,
        kind: kindName,
        ...meta,
        payload,
        createdAt: new Date().toISOString(),
      };
      const attempts = kind.idempotent ? (kind.attempts ?? 3) : 1;
      await this.queue(kindName).add(kindName, envelope, {
        jobId: bullId(envelope.id),
        attempts,
        backoff: { type: 'exponential', delay: 2000 },
        // Bounded so Redis does not grow forever; /jobs and the audit keep the history.
        removeOnComplete: { count: 1000, age: 7 * 24 * 3600 },
        removeOnFail: { count: 5000, age: 30 * 24 * 3600 },
      });
      await this.redis
        .multi()
        .zadd(INDEX_KEY, n, `${n}:${kindName}`)
        .zremrangebyrank(INDEX_KEY, 0, -INDEX_LIMIT - 1)
        .exec();
      return envelope;
    } catch (err) {
      if (err instanceof OpsbotError) throw err;
      throw new OpsbotError('E_QUEUE_UNAVAILABLE', 'The job queue is unavailable right now; nothing was queued. Try again in a moment.', {
        cause: err,
      });
    }
  }

  /**
   * Enqueue at most once per `uniqueKey` (BullMQ ignores a job id it already holds): for work
   * that several processes may offer, such as a notification two replicas both saw. Not listed
   * in /jobs; no chat conversation waits for it.
   */
  async enqueueOnce<P>(
    kindName: string,
    payload: P,
    meta: { requester: Actor; conversation: ConversationRef; target: string },
    uniqueKey: string,
  ): Promise<void> {
    const kind = this.kinds.get(kindName);
    if (!kind) throw new OpsbotError('E_INTERNAL', `unknown job kind ${kindName}`);
    const id = `u-${createHash('sha256').update(uniqueKey).digest('hex').slice(0, 24)}`;
    const envelope: JobEnvelope<P> = { id, uid: id, kind: kindName, ...meta, payload, createdAt: new Date().toISOString() };
    await this.queue(kindName).add(kindName, envelope, {
      jobId: id,
      attempts: kind.attempts ?? 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { count: 5000, age: 24 * 3600 },
      removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
    });
  }

  async find(id: string): Promise<{ job: Job<JobEnvelope>; kind: string } | undefined> {
    const n = Number(id);
    if (!Number.isInteger(n) || n <= 0) return undefined;
    const members = await this.redis.zrangebyscore(INDEX_KEY, n, n);
    const kind = members[0]?.split(':')[1];
    if (!kind || !this.queues.has(kind)) return undefined;
    const job = (await this.queue(kind).getJob(bullId(id))) as Job<JobEnvelope> | undefined;
    return job ? { job, kind } : undefined;
  }

  /** The conversation a job reports to, while the queue still holds the job. */
  async conversationOf(id: string): Promise<ConversationRef | undefined> {
    return (await this.find(id))?.job.data.conversation;
  }

  async summary(id: string): Promise<JobSummary | undefined> {
    const found = await this.find(id);
    return found ? toSummary(found.job, await found.job.getState()) : undefined;
  }

  /** Most recent first. */
  async recent(limit: number): Promise<JobSummary[]> {
    const members = await this.redis.zrevrange(INDEX_KEY, 0, limit - 1);
    const out: JobSummary[] = [];
    for (const m of members) {
      const [id, kind] = m.split(':') as [string, string];
      const job = (await this.queues.get(kind)?.getJob(bullId(id))) as Job<JobEnvelope> | undefined;
      if (job) out.push(toSummary(job, await job.getState()));
    }
    return out;
  }

  /**
   * Cancel: a waiting job is removed; a running one is told through Redis (any worker process
   * may hold it) and stops at its next check; a key covers the race with a worker picking it up.
   */
  async cancel(id: string): Promise<'removed' | 'signalled' | 'finished'> {
    const found = await this.find(id);
    if (!found) throw new OpsbotError('E_UNKNOWN_JOB', `There is no job ${id}. /jobs lists recent ones.`);
    const state = await found.job.getState();
    if (state === 'completed' || state === 'failed') return 'finished';
    await this.redis.set(cancelKey(id), '1', 'EX', 24 * 3600);
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      try {
        await found.job.remove();
        return 'removed';
      } catch {
        // Picked up by a worker in the meantime: the cancel key and the signal stop it.
      }
    }
    await this.redis.publish(CANCEL_CHANNEL, id);
    return 'signalled';
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of this.queues) out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

function toSummary(job: Job<JobEnvelope>, state: string): JobSummary {
  const env = job.data;
  const rv = job.returnvalue as { outcome?: string } | undefined;
  return {
    id: env.id,
    kind: env.kind,
    state: state as JobState,
    requester: env.requester,
    target: env.target,
    createdAt: env.createdAt,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    outcome: rv?.outcome ?? (state === 'failed' ? 'failed' : undefined),
  };
}
