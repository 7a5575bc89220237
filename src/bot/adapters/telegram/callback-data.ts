import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Button } from '../../../core/message.js';
import type { TgInlineButton, TgMessage } from './update-reader.js';

/** Telegram: callback_data is "1-64 bytes". */
export const CALLBACK_DATA_MAX_BYTES = 64;
/** Commands start with a letter, so a token can never be mistaken for one. */
const TOKEN_PREFIX = '~';
/** As long as a review waits (ReviewStore keeps 14 days); a later tap says "expired". */
const TOKEN_TTL_S = 14 * 24 * 3600;

export interface InlineKeyboard {
  inline_keyboard: { text: string; callback_data: string }[][];
}

/**
 * A button's id is the command text to run when tapped. It travels as callback_data when it
 * fits in 64 bytes; a longer one is kept in Redis under a short random token.
 */
export class CallbackData {
  constructor(private readonly redis: Redis) {}

  async keyboard(buttons: readonly Button[] | undefined): Promise<InlineKeyboard | undefined> {
    if (!buttons?.length) return undefined;
    const row = await Promise.all(buttons.map(async (b) => ({ text: b.label, callback_data: await this.encode(b.id) })));
    return { inline_keyboard: [row] };
  }

  private async encode(id: string): Promise<string> {
    if (Buffer.byteLength(id, 'utf8') <= CALLBACK_DATA_MAX_BYTES && !id.startsWith(TOKEN_PREFIX)) return id;
    const token = `${TOKEN_PREFIX}${randomBytes(12).toString('base64url')}`;
    await this.redis.set(`opsbot:telegram:callback:${token}`, id, 'EX', TOKEN_TTL_S);
    return token;
  }

  /** The command text behind callback data; undefined for a token that expired or never existed. */
  async decode(data: string): Promise<string | undefined> {
    if (!data.startsWith(TOKEN_PREFIX)) return data;
    return (await this.redis.get(`opsbot:telegram:callback:${data}`)) ?? undefined;
  }
}

/**
 * The button that was tapped, as the message shows it now. Telegram hands back the message with
 * its current keyboard, so data that is not on it was forged (clients can send any data) or
 * belongs to a keyboard already removed by a decision — both are refused.
 */
export function tappedButton(message: TgMessage | undefined, data: string): TgInlineButton | undefined {
  return message?.reply_markup?.inline_keyboard?.flat().find((b) => b.callback_data === data);
}
