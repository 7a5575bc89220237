import type { Redis } from 'ioredis';

/** Remember for a month that a chat was told; a re-added bot says it again after that. */
const TOLD_TTL_S = 30 * 24 * 3600;

/**
 * Only the chats in `chat.telegram.chats` are served. Anywhere else opsbot says once that it is
 * not enabled (remembered in Redis, across replicas and restarts) and otherwise stays silent.
 */
export class ChatGate {
  private readonly allowed: Set<string>;

  constructor(
    chats: readonly (string | number)[],
    private readonly redis: Redis,
  ) {
    this.allowed = new Set(chats.map((c) => String(c)));
  }

  allows(chatId: string): boolean {
    return this.allowed.has(chatId);
  }

  /** True only the first time a refused chat is seen. */
  async firstRefusal(chatId: string): Promise<boolean> {
    return (await this.redis.set(`opsbot:telegram:refused:${chatId}`, '1', 'EX', TOLD_TTL_S, 'NX')) === 'OK';
  }
}
