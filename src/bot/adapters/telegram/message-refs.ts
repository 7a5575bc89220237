import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Long enough for a plan's review or a slow deploy; short enough that Redis does not fill up. */
const REF_TTL_S = 14 * 24 * 3600;
/** A post that takes longer than this has failed; its claim lapses so the next event can post. */
const CLAIM_TTL_MS = 30_000;

export type MessageRef = { state: 'none' } | { state: 'creating' } | { state: 'posted'; messageId: number };

/**
 * Which Telegram message stands for a key (`job:12`) in a chat:
 * `opsbot:msgref:telegram:<chat>:<key>` → message_id. The command's ack and the worker's first
 * progress event race to post it (the job may start before the ack is out), so posting starts
 * with a claim (`SET NX`): exactly one of them posts, the other edits — never two messages.
 */
export class MessageRefs {
  constructor(private readonly redis: Redis) {}

  private key(chatId: string, key: string): string {
    return `opsbot:msgref:telegram:${chatId}:${key}`;
  }

  async get(chatId: string, key: string): Promise<MessageRef> {
    const value = await this.redis.get(this.key(chatId, key));
    if (value === null) return { state: 'none' };
    return /^\d+$/.test(value) ? { state: 'posted', messageId: Number(value) } : { state: 'creating' };
  }

  /** Claim the right to post the key's message; a token to `posted` or `abandon` with, or undefined when taken. */
  async claim(chatId: string, key: string): Promise<string | undefined> {
    const token = `creating:${randomBytes(6).toString('hex')}`;
    const ok = await this.redis.set(this.key(chatId, key), token, 'PX', CLAIM_TTL_MS, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async posted(chatId: string, key: string, messageId: number): Promise<void> {
    await this.redis.set(this.key(chatId, key), String(messageId), 'EX', REF_TTL_S);
  }

  /** Give a failed claim back (only if it is still ours), so the next event can post. */
  async abandon(chatId: string, key: string, token: string): Promise<void> {
    await this.redis.eval(
      `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`,
      1,
      this.key(chatId, key),
      token,
    );
  }

  /** The rank of the state an operation's message shows (0 when none was recorded). */
  async rank(chatId: string, key: string): Promise<number> {
    return Number((await this.redis.get(`${this.key(chatId, key)}:rank`)) ?? 0);
  }

  async setRank(chatId: string, key: string, rank: number): Promise<void> {
    await this.redis.set(`${this.key(chatId, key)}:rank`, String(rank), 'EX', REF_TTL_S);
  }

  /** Was this document (by file name) already sent under the keyed message? Marked after it went out, so a failed send is retried. */
  async documentSent(chatId: string, key: string, name: string): Promise<boolean> {
    return (await this.redis.exists(`${this.key(chatId, key)}:doc:${name}`)) === 1;
  }

  async markDocumentSent(chatId: string, key: string, name: string): Promise<void> {
    await this.redis.set(`${this.key(chatId, key)}:doc:${name}`, '1', 'EX', REF_TTL_S);
  }
}
