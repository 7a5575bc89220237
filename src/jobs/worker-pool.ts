import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../core/audit.js';
import { isOpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { JobEnvelope, JobKind } from './kind.js';
import type { Outbox } from './outbox.js';
import { CANCEL_CHANNEL, QUEUE_PREFIX, cancelKey } from './queues.js';
import { OutboxReporter, type Reporter } from './reporter.js';

export interface WorkerPoolOptions {
  concurrency: number;
  /** A dead worker's job is taken over after its lock expires (BullMQ stalled-job recovery). */
  lockDurationMs: number;
  shutdownGraceMs: number;
}

const startedKey = (id: string) => `opsbot:job:${id}:started`;
const MARKER_TTL = 7 * 24 * 3600;

/** Runs jobs of every kind; one BullMQ Worker per kind, all in this process. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly running = new Map<string, AbortController>();
  private subscriber?: Redis;

  constructor(
    private readonly deps: {
      /** Blocking connection (maxRetriesPerRequest: null), as BullMQ workers require. */
      redis: Redis;
      outbox: Outbox;
      audit: AuditLog;
      metrics: Metrics;
      log: Logger;
      kinds: ReadonlyMap<string, JobKind>;
    },
    private readonly opts: WorkerPoolOptions,
  ) {}

  async start(): Promise<void> {
    this.subscriber = this.deps.redis.duplicate();
    this.subscriber.on('error', () => undefined);
    await this.subscriber.subscribe(CANCEL_CHANNEL);
    this.subscriber.on('message', (_channel: string, id: string) => this.running.get(id)?.abort(new Error('cancelled')));

    for (const kind of this.deps.kinds.values()) {
      const worker = new Worker<JobEnvelope, { outcome: string }>(kind.name, (job) => this.process(kind, job), {
        connection: this.deps.redis,
        prefix: QUEUE_PREFIX,
        concurrency: kind.concurrency ?? this.opts.concurrency,
        lockDuration: this.opts.lockDurationMs,
        stalledInterval: Math.max(1000, Math.floor(this.opts.lockDurationMs / 2)),
        maxStalledCount: kind.maxStalls ?? 1,
        autorun: true,
      });
      worker.on('error', (err) => this.deps.log.warn({ err: err.message, kind: kind.name }, 'worker error'));
      this.workers.push(worker);
    }
  }

  isRunning(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  private async process(kind: JobKind, job: Job<JobEnvelope>): Promise<{ outcome: string }> {
    const env = job.data;
    const { redis, outbox, audit, metrics } = this.deps;
    const log = this.deps.log.child({ job: env.id, kind: kind.name });
    const reporter: Reporter = kind.quiet ? QUIET_REPORTER : new OutboxReporter(outbox, env.conversation, env.id);
    const auditBase = {
      actor: `${env.requester.platform}:${env.requester.id}`,
      platform: env.requester.platform,
      action: `job.${kind.name}`,
      target: env.target,
      job: env.id,
    };

    // A second start of the same job means a worker died (or it failed and is retried).
    const firstStart = (await redis.set(startedKey(env.id), String(Date.now()), 'EX', MARKER_TTL, 'NX')) === 'OK';
    if (!firstStart && !kind.idempotent) {
      const text =
        kind.interruptedMessage?.(env) ??
        `Job ${env.id} (${kind.name} ${env.target}) was interrupted: the worker running it stopped. It is not re-run automatically — check the target's state before trying again.`;
      await reporter.failed({ title: 'Interrupted', text });
      await audit.append({ ...auditBase, result: 'interrupted', detail: 'worker stopped mid-job; not re-run' });
      metrics.jobs.inc({ kind: kind.name, state: 'interrupted' });
      return { outcome: 'interrupted' };
    }

    const controller = new AbortController();
    this.running.set(env.id, controller);
    if (await redis.exists(cancelKey(env.id))) controller.abort(new Error('cancelled'));
    const timer = metrics.jobDuration.startTimer({ kind: kind.name });
    const attempt = job.attemptsMade + 1;
    try {
      if (controller.signal.aborted) throw new Error('cancelled');
      const notes: string[] = [];
      const message = await kind.run({ job: env, reporter, signal: controller.signal, log, attempt, note: (d) => notes.push(d) });
      await reporter.succeeded(withJobContext(message, env), kind.afterDelivery?.(env));
      await audit.append({ ...auditBase, result: 'succeeded', ...(notes.length ? { detail: notes.join('; ') } : {}) });
      metrics.jobs.inc({ kind: kind.name, state: 'succeeded' });
      return { outcome: 'succeeded' };
    } catch (err) {
      if (controller.signal.aborted) {
        // A handler may say how it stopped (terraform: after SIGINT, or killed with SIGKILL).
        const how = isOpsbotError(err) && err.code === 'E_CANCELLED' ? ` ${err.userMessage}` : '';
        await reporter.cancelled(withJobContext({ title: 'Cancelled', text: `Job ${env.id} was cancelled.${how}` }, env));
        await audit.append({ ...auditBase, result: 'cancelled' });
        metrics.jobs.inc({ kind: kind.name, state: 'cancelled' });
        return { outcome: 'cancelled' };
      }
      const answer = isOpsbotError(err) ? kind.answers?.[err.code] : undefined;
      if (answer && isOpsbotError(err)) {
        // An answer, not a failure: one line in the conversation, no retry, no stack anywhere.
        await reporter.answered({ text: err.userMessage }, answer);
        await audit.append({ ...auditBase, result: answer, detail: err.userMessage });
        metrics.jobs.inc({ kind: kind.name, state: answer });
        log.info({ code: err.code }, `job ${answer}`);
        return { outcome: answer };
      }
      const text = isOpsbotError(err) ? err.userMessage : `Internal error in job ${env.id}; the logs have the details.`;
      // A stack only for what opsbot did not expect; an OpsbotError already says what went wrong.
      if (isOpsbotError(err)) log.info({ code: err.code, reason: err.userMessage }, 'job failed');
      else log.error({ err }, 'job failed');
      const attempts = job.opts.attempts ?? 1;
      const transient = !isOpsbotError(err) || (kind.retryOn?.includes(err.code) ?? false);
      if (kind.idempotent && attempt < attempts && transient) {
        await reporter.progress({ text: `Attempt ${attempt} of ${attempts} failed (${text}); retrying.` });
        throw err;
      }
      const next = isOpsbotError(err) && err.buttons ? { buttons: [...err.buttons] } : {};
      await reporter.failed(withJobContext({ title: 'Failed', text, ...next }, env));
      await audit.append({ ...auditBase, result: 'failed', detail: text });
      metrics.jobs.inc({ kind: kind.name, state: 'failed' });
      throw new UnrecoverableError(text);
    } finally {
      timer();
      this.running.delete(env.id);
    }
  }

  /** Stop taking jobs; let running ones finish within the grace period, then cancel them. */
  async close(): Promise<void> {
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.opts.shutdownGraceMs).unref());
    if ((await Promise.race([closing, grace])) === 'timeout') {
      this.deps.log.warn({ running: [...this.running.keys()] }, 'grace period over; cancelling running jobs');
      for (const c of this.running.values()) c.abort(new Error('shutdown'));
      await Promise.race([closing, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    await this.subscriber?.quit().catch(() => undefined);
  }
}

const QUIET_REPORTER: Reporter = {
  progress: async () => undefined,
  detail: async () => undefined,
  succeeded: async () => undefined,
  failed: async () => undefined,
  cancelled: async () => undefined,
  answered: async () => undefined,
};

function withJobContext(message: Message, env: JobEnvelope): Message {
  return { ...message, context: message.context ?? `job ${env.id} · ${env.kind} · requested by ${env.requester.displayName}` };
}

export type { Reporter };
