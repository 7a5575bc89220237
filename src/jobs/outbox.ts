import type { Redis } from 'ioredis';
import type { AuditLog } from '../core/audit.js';
import { backoffDelay, sleep } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import type { ConversationRef, Message, Platform } from '../core/message.js';
import type { Redactor } from '../core/redact.js';
import { acquireLock, type HeldLock } from '../core/redis-lock.js';

/**
 * What a job says goes through the outbox, a Redis stream per destination, so a worker in any
 * process can report to a conversation held by another (a console session, a bot replica).
 * This module holds all of it: publishing (`Outbox`), reading a console session's stream in
 * order (`readOutbox`), and delivering a chat platform's stream to its adapter
 * (`OutboxDelivery`): at least once, each event acknowledged after it was delivered or given up.
 */
export interface OutboxEvent {
  conversation: ConversationRef;
  /** Messages with the same key are one chat message, edited in place (`job:12`). */
  key: string;
  message: Message;
  /** Present on a job's last word: the conversation (and `console --exec`) knows it is over. */
  final?: 'succeeded' | 'failed' | 'cancelled' | 'answered' | 'refused';
  /** Post this under the keyed message (a thread reply) instead of editing it. */
  threaded?: boolean;
}

const MAXLEN = 10_000;

/**
 * Strings of an event that are opsbot's own vocabulary, never a secret: where it goes, its
 * key, its state, a message's status, a button's command and style. Everything else that is a
 * string (titles, texts, fields, code, attachments) is redacted before the event is serialised.
 */
const STRUCTURE = new Set(['platform', 'channel', 'thread', 'key', 'final', 'threaded', 'status', 'command', 'args', 'style']);

/** Stream of one destination: per console session, per chat platform otherwise. */
export function outboxStream(c: ConversationRef): string {
  return c.platform === 'console' ? `opsbot:outbox:console:${c.channel}` : `opsbot:outbox:${c.platform}`;
}

export class Outbox {
  constructor(
    private readonly redis: Redis,
    private readonly redactor: Redactor,
  ) {}

  async publish(event: OutboxEvent): Promise<void> {
    const payload = JSON.stringify(this.redactor.redactValue(event, STRUCTURE));
    await this.redis.xadd(outboxStream(event.conversation), 'MAXLEN', '~', String(MAXLEN), '*', 'e', payload);
  }
}

/** Reads one outbox stream in order, from `fromId` on; blocking, for a single reader. */
export async function* readOutbox(redis: Redis, stream: string, fromId: string, signal: AbortSignal): AsyncGenerator<{ id: string; event: OutboxEvent }> {
  let last = fromId;
  while (!signal.aborted) {
    const res = (await redis.xread('COUNT', 100, 'BLOCK', 1000, 'STREAMS', stream, last)) as [string, [string, string[]][]][] | null;
    if (!res) continue;
    for (const [, entries] of res) {
      for (const [id, fields] of entries) {
        last = id;
        const raw = fields[1];
        if (raw) yield { id, event: JSON.parse(raw) as OutboxEvent };
      }
    }
  }
}

/** What a delivery loop hands events to: a chat platform's adapter (ChatAdapter). */
export interface OutboxConsumer {
  readonly platform: Platform;
  /** Minimum gap between two messages to one conversation (platform limits), in ms. */
  readonly pacingMs: number;
  /** Throw a `DeliveryError` to have the loop retry (rate limit, 5xx) or give up (permanent). */
  deliver(event: OutboxEvent): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly opts: { retryAfterMs?: number; permanent?: boolean } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const GROUP = 'delivery';
const MAX_TRANSIENT_ATTEMPTS = 8;

/**
 * Drains one platform's outbox stream into its adapter: in order (one deliverer per platform at
 * a time, by a Redis lease, so replicas never reorder a conversation), paced per conversation,
 * retried on rate limits (honouring Retry-After) and transient failures, acknowledged only once
 * delivered or given up — a crash redelivers what was not acknowledged.
 */
export class OutboxDelivery {
  private readonly abort = new AbortController();
  private readonly lastSent = new Map<string, number>();
  private loop?: Promise<void>;

  constructor(
    private readonly deps: { redis: Redis; adapter: OutboxConsumer; log: Logger; audit?: Pick<AuditLog, 'append'>; consumer: string },
  ) {}

  private get stream(): string {
    return outboxStream({ platform: this.deps.adapter.platform, channel: '' });
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => this.deps.log.error({ err }, 'outbox delivery stopped'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { redis } = this.deps;
    await redis.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    while (!this.abort.signal.aborted) {
      let lease: HeldLock;
      try {
        lease = await acquireLock(redis, `opsbot:lock:delivery:${this.deps.adapter.platform}`, { ttlMs: 10_000, waitMs: 5_000, signal: this.abort.signal, holder: this.deps.consumer });
      } catch {
        continue; // another replica delivers; stand by
      }
      try {
        // Entries a previous deliverer read but never acknowledged come first: order is kept.
        await this.drain('0', lease);
        while (!this.abort.signal.aborted && lease.held()) await this.drain('>', lease);
      } finally {
        await lease.release();
      }
    }
  }

  private async drain(from: '0' | '>', lease: HeldLock): Promise<void> {
    const { redis, consumer } = this.deps;
    // Only new entries ('>') are worth blocking for; the pending list ('0') is read at once.
    const res = (
      from === '>'
        ? await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', 50, 'BLOCK', 1000, 'STREAMS', this.stream, from)
        : await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', 50, 'STREAMS', this.stream, from)
    ) as [string, [string, string[]][]][] | null;
    for (const [, entries] of res ?? []) {
      for (const [id, fields] of entries) {
        if (!lease.held() || this.abort.signal.aborted) return;
        const raw = fields[1];
        if (raw) await this.deliverOne(JSON.parse(raw) as OutboxEvent);
        await this.deps.redis.xack(this.stream, GROUP, id);
      }
    }
  }

  private async deliverOne(event: OutboxEvent): Promise<void> {
    const { adapter, log } = this.deps;
    const where = `${event.conversation.platform}:${event.conversation.channel}`;
    for (let attempt = 1; ; attempt++) {
      const wait = (this.lastSent.get(where) ?? 0) + adapter.pacingMs - Date.now();
      if (wait > 0) await sleep(wait, this.abort.signal);
      try {
        await adapter.deliver(event);
        this.lastSent.set(where, Date.now());
        return;
      } catch (err) {
        this.lastSent.set(where, Date.now());
        const d = err instanceof DeliveryError ? err.opts : {};
        if (d.permanent || attempt >= MAX_TRANSIENT_ATTEMPTS || this.abort.signal.aborted) {
          log.error({ err: (err as Error).message, where, key: event.key }, 'message not delivered');
          await this.deps.audit
            ?.append({ actor: 'opsbot', platform: event.conversation.platform, action: 'deliver', target: where, result: 'failed', detail: (err as Error).message })
            .catch(() => undefined);
          return;
        }
        const delay = d.retryAfterMs ?? backoffDelay(attempt, { baseMs: 500, maxMs: 30_000, jitter: 'none' });
        log.warn({ where, delay, attempt, err: (err as Error).message }, 'delivery retried');
        await sleep(delay, this.abort.signal);
      }
    }
  }
}
