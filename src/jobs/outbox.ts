import type { Redis } from 'ioredis';
import type { ConversationRef, Message } from '../core/message.js';
import type { Redactor } from '../core/redact.js';

/**
 * What a job says goes through the outbox, a Redis stream per destination, so a worker in any
 * process can report to a conversation held by another (a console session, a bot replica).
 * One stream keeps per-conversation order; the reader acknowledges what it delivered.
 */
export interface OutboxEvent {
  conversation: ConversationRef;
  /** Messages with the same key are one chat message, edited in place (`job:12`). */
  key: string;
  message: Message;
  /** Present on a job's last word: the conversation (and `console --exec`) knows it is over. */
  final?: 'succeeded' | 'failed' | 'cancelled';
  /** Post this under the keyed message (a thread reply) instead of editing it. */
  threaded?: boolean;
}

const MAXLEN = 10_000;

/**
 * Strings of an event that are opsbot's own vocabulary, never a secret: where it goes, its
 * key, its state, a message's status, a button's command and style. Everything else that is a
 * string (titles, texts, fields, code, attachments) is redacted before the event is serialised.
 */
const STRUCTURE = new Set(['platform', 'channel', 'thread', 'key', 'final', 'threaded', 'status', 'id', 'style']);

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
