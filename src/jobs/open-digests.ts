import type { Redis } from 'ioredis';
import type { ConversationRef } from '../core/message.js';
import type { Digest } from './notification-digest.js';

/** A digest's record outlives any burst and any restart of the deliverer; then it is only history. */
const DIGEST_TTL_S = 24 * 3600;

/**
 * Each conversation's latest digest, in Redis (`opsbot:outbox:digest:<platform>:<channel>[:<thread>]`):
 * saved with its new members before the digest message is sent, so entries delivered again after
 * a crash join the same digest and the same message (by its key), never a second one.
 */
export class OpenDigests {
  constructor(private readonly redis: Redis) {}

  static key(c: ConversationRef): string {
    return `opsbot:outbox:digest:${c.platform}:${c.channel}${c.thread ? `:${c.thread}` : ''}`;
  }

  async get(c: ConversationRef): Promise<Digest | undefined> {
    const raw = await this.redis.get(OpenDigests.key(c));
    return raw ? (JSON.parse(raw) as Digest) : undefined;
  }

  async save(c: ConversationRef, digest: Digest): Promise<void> {
    await this.redis.set(OpenDigests.key(c), JSON.stringify(digest), 'EX', DIGEST_TTL_S);
  }
}
