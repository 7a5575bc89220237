import type { Redis } from 'ioredis';
import type { Platform } from '../core/message.js';
import { OUTBOX_MAXLEN, outboxStream, type OutboxEvent } from './outbox.js';

/**
 * Messages a chat platform would not take after all their retries (a channel that does not
 * exist, a bot removed from a group, a platform down for long): kept here instead of being
 * dropped, listed by `opsbot outbox parked`, counted in `opsbot_outbox_parked`, and put back
 * into their outbox by `opsbot outbox retry`. One Redis hash per platform, field = the stream
 * entry id the message had.
 */
export interface ParkedMessage {
  /** The outbox entry id it had: what `opsbot outbox retry <id>` names. */
  id: string;
  platform: Platform;
  /** Its outbox payload as it was published (already redacted). */
  payload: string;
  reason: string;
  attempts: number;
  parkedAt: number;
}

/** Parked messages wait a month for someone to look at them. */
const PARKED_TTL_S = 30 * 24 * 3600;

// KEYS: parked hash, stream   ARGV: id, maxlen → the payload moved back, or false
const UNPARK = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local m = cjson.decode(raw)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'e', m.payload)
redis.call('HDEL', KEYS[1], ARGV[1])
return raw
`;

export class ParkedMessages {
  constructor(private readonly redis: Redis) {}

  static key(platform: Platform): string {
    return `opsbot:outbox:parked:${platform}`;
  }

  async park(m: ParkedMessage): Promise<void> {
    const key = ParkedMessages.key(m.platform);
    await this.redis.multi().hset(key, m.id, JSON.stringify(m)).expire(key, PARKED_TTL_S).exec();
  }

  async list(platform: Platform): Promise<ParkedMessage[]> {
    const all = await this.redis.hvals(ParkedMessages.key(platform));
    return all.map((raw) => JSON.parse(raw) as ParkedMessage).sort((a, b) => a.parkedAt - b.parkedAt);
  }

  async count(platform: Platform): Promise<number> {
    return this.redis.hlen(ParkedMessages.key(platform));
  }

  /**
   * Puts one parked message back at the end of its outbox (moved in one script: never both
   * parked and queued, never lost between). Its `id`, if it has one, still lets the sender find
   * an earlier post. Undefined when there is no such parked message.
   */
  async retry(platform: Platform, id: string): Promise<ParkedMessage | undefined> {
    const stream = outboxStream({ platform, channel: '' });
    const raw = (await this.redis.eval(UNPARK, 2, ParkedMessages.key(platform), stream, id, String(OUTBOX_MAXLEN))) as string | null;
    return raw ? (JSON.parse(raw) as ParkedMessage) : undefined;
  }

  /** The conversation and key of a parked message, for listings. */
  static describe(m: ParkedMessage): { where: string; key: string; title: string } {
    const e = JSON.parse(m.payload) as OutboxEvent;
    return {
      where: `${e.conversation.platform}:${e.conversation.channel}`,
      key: e.key,
      title: e.message.title ?? e.message.text?.slice(0, 60) ?? '',
    };
  }
}
