import type { Redis } from 'ioredis';
import type { ConversationRef } from '../core/message.js';
import type { Digest } from './notification-digest.js';

/** A digest's record outlives any burst and any restart of the deliverer; then it is only history. */
const DIGEST_TTL_S = 24 * 3600;

/**
 * Digests in Redis: each one's record (`opsbot:outbox:digest:<platform>:<channel>[:<thread>]:<key>`)
 * and which is the conversation's latest (the same name without the key). A record is saved with
 * its new members before the digest message is sent, so entries delivered again after a crash
 * join the same digest and the same message (by its key), never a second one; a digest that
 * another has followed still has its record, for its full list.
 */
export class OpenDigests {
  constructor(private readonly redis: Redis) {}

  static key(c: ConversationRef): string {
    return `opsbot:outbox:digest:${c.platform}:${c.channel}${c.thread ? `:${c.thread}` : ''}`;
  }

  /** The conversation's latest digest. */
  async latest(c: ConversationRef): Promise<Digest | undefined> {
    const key = await this.redis.get(OpenDigests.key(c));
    return key ? this.get(c, key) : undefined;
  }

  async get(c: ConversationRef, key: string): Promise<Digest | undefined> {
    const raw = await this.redis.get(`${OpenDigests.key(c)}:${key}`);
    return raw ? (JSON.parse(raw) as Digest) : undefined;
  }

  /** Saves the record and makes it the conversation's latest. */
  async save(c: ConversationRef, digest: Digest): Promise<void> {
    await this.redis
      .multi()
      .set(`${OpenDigests.key(c)}:${digest.key}`, JSON.stringify(digest), 'EX', DIGEST_TTL_S)
      .set(OpenDigests.key(c), digest.key, 'EX', DIGEST_TTL_S)
      .exec();
  }
}
