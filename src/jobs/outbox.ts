import type { Redis } from 'ioredis';
import type { ConversationRef, Message, NoticeOutcome } from '../core/message.js';
import type { Redactor } from '../core/redact.js';

/**
 * What a job says goes through the outbox, a Redis stream per destination, so a worker in any
 * process can report to a conversation held by another (a console session, a bot replica).
 * This module holds all of it: publishing (`Outbox`), reading a console session's stream in
 * order (`readOutbox`). Delivering a chat platform's stream is outbox-delivery.ts.
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
  /**
   * This message's own identity (a notification's (app, trigger, operation) and destination).
   * Published once per id, and the sender finds an earlier post of it (a crash after the post,
   * before the acknowledgement) instead of posting again.
   */
  id?: string;
  /** Once this event is in chat, a job is queued that is told where it landed (a job's final message: see FollowUp). */
  afterDelivery?: FollowUp;
  /** Present on an Argo CD notification: how it updates its operation's message, and how a digest lists it. */
  notice?: OutboxNotice;
  /**
   * Written by the delivery lane, not by jobs: "attach the full list to digest `key`" once the
   * burst behind it has been folded. Only the latest request (`seq`) of a digest is sent.
   */
  digestList?: { key: string; seq: number };
}

/**
 * Work that needs the chat message to exist first: a plan's pull request comment links the plan's
 * message, whose address (a Slack ts, a Telegram message id) only the delivering adapter learns.
 * The delivery loop queues job `kind` with `payload` and `link` (a ChatLink) once it is posted.
 */
export interface FollowUp {
  kind: string;
  /** What it acts on, for /jobs and the audit. */
  target: string;
  payload: Record<string, unknown>;
}

/**
 * What the delivery side knows of a notification about one operation of one app. Its event is
 * keyed by the operation (`notify:<group>`): the first posts the operation's message, each later
 * one edits it to the latest state (unless it already shows a later one: `rank`) and goes in its
 * thread with the details (a failure broadcast to the channel). When several wait together in a
 * lane, they are folded into one digest message instead (outbox-delivery.ts, notification-digest.ts).
 */
export interface OutboxNotice {
  /** The operation (the notification's group key): a digest has one line per operation. */
  group: string;
  /** The Application's name, as a digest lists it. */
  app: string;
  /** Later states rank higher (running < synced < deployed, failed, degraded): the message shows the highest seen. */
  rank: number;
  /** How a digest counts it; failures are listed first. */
  outcome: NoticeOutcome;
  /** The state in a few words (`synced`, `failed to sync`): a digest groups by it. */
  label: string;
  /**
   * Set by the lane after the notification went out in a digest: only bring the operation's own
   * message (if it has one already) to this state; post nothing.
   */
  headOnly?: boolean;
}

/**
 * Entries kept per stream. Trimming never drops an entry still owed: Redis trims by count
 * whatever the consumer group has read, so this is far above any backlog the lanes keep
 * (2,000 Applications × a few messages each).
 */
export const OUTBOX_MAXLEN = 100_000;
/** How long a published id is remembered: longer than any delivery takes, including parked ones retried by hand. */
const PUBLISHED_TTL_S = 7 * 24 * 3600;

// KEYS: stream, published-marker   ARGV: maxlen, payload, ttl s  → 1 added, 0 already published
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) == false then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[2])
return 1
`;

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
    await this.redis.xadd(outboxStream(event.conversation), 'MAXLEN', '~', String(OUTBOX_MAXLEN), '*', 'e', this.payload(event));
  }

  /**
   * Appends an event that has an `id` at most once: the marker and the entry are written by one
   * script. Resolves to false when it was published before — a retry after a crash finds it there.
   */
  async publishOnce(event: OutboxEvent & { id: string }): Promise<boolean> {
    const stream = outboxStream(event.conversation);
    return (
      (await this.redis.eval(
        PUBLISH_ONCE,
        2,
        stream,
        `${stream}:published:${event.id}`,
        String(OUTBOX_MAXLEN),
        this.payload(event),
        String(PUBLISHED_TTL_S),
      )) === 1
    );
  }

  private payload(event: OutboxEvent): string {
    return JSON.stringify(this.redactor.redactValue(event, STRUCTURE));
  }
}

/** Reads one outbox stream in order, from `fromId` on; blocking, for a single reader. */
export async function* readOutbox(
  redis: Redis,
  stream: string,
  fromId: string,
  signal: AbortSignal,
): AsyncGenerator<{ id: string; event: OutboxEvent }> {
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

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly opts: { retryAfterMs?: number; permanent?: boolean } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
