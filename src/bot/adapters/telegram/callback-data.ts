import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Button } from '../../../core/message.js';
import { buttonCommand } from '../../button-command.js';
import type { TgInlineButton, TgMessage } from './update-reader.js';

/** Telegram: callback_data is "1-64 bytes". */
export const CALLBACK_DATA_MAX_BYTES = 64;
/** Commands start with a letter, so a token can never be mistaken for one. */
const TOKEN_PREFIX = '~';
/** As long as a review waits (ReviewStore keeps 14 days); a later tap says "expired". */
const TOKEN_TTL_S = 14 * 24 * 3600;
/** How long "✅ Confirm" stays good after the first tap (Slack's confirm dialog is immediate). */
export const CONFIRM_TTL_MS = 2 * 60 * 1000;
/** Callback data of the two buttons of a confirm step; `:` is not base64url, so no token looks like these. */
const CONFIRM_PREFIX = `${TOKEN_PREFIX}ok:`;
const CANCEL_PREFIX = `${TOKEN_PREFIX}no:`;

export interface InlineKeyboard {
  inline_keyboard: { text: string; callback_data: string }[][];
}

/** "Tap again to confirm": stored when a button with `confirm` text is tapped the first time. */
export interface ConfirmStep {
  /** The command the guarded button stands for. */
  command: string;
  /** The guarded button's label ("Approve"). */
  label: string;
  /** Telegram user id of whoever tapped it: only they may confirm. */
  user: string;
  userName: string;
  /** Epoch ms after which Confirm is refused (Cancel still restores). */
  until: number;
  /** The message's keyboard before the step, put back by Cancel (or a refused / expired Confirm). */
  keyboard: InlineKeyboard;
}

/** What callback data stands for. */
export type Callback =
  { kind: 'command'; text: string; confirm?: string } | { kind: 'confirm' | 'cancel'; token: string; step: ConfirmStep; expired: boolean };

/** Record of a token: legacy/plain command text, or JSON for a button that asks to confirm. */
interface GuardedRecord {
  c: string;
  confirm: string;
}

/**
 * A button's id is the command text to run when tapped. It travels as callback_data when it
 * fits in 64 bytes; a longer one is kept in Redis under a short random token. A button with
 * `confirm` text always goes by token, whose record carries the text: its first tap only asks.
 */
export class CallbackData {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async keyboard(buttons: readonly Button[] | undefined): Promise<InlineKeyboard | undefined> {
    if (!buttons?.length) return undefined;
    const row = await Promise.all(buttons.map(async (b) => ({ text: b.label, callback_data: await this.encode(b) })));
    return { inline_keyboard: [row] };
  }

  private async encode(button: Button): Promise<string> {
    const { confirm } = button;
    const id = buttonCommand(button);
    if (!confirm && Buffer.byteLength(id, 'utf8') <= CALLBACK_DATA_MAX_BYTES && !id.startsWith(TOKEN_PREFIX)) return id;
    const token = newToken();
    const record = confirm ? JSON.stringify({ c: id, confirm } satisfies GuardedRecord) : id;
    await this.redis.set(`opsbot:telegram:callback:${token}`, record, 'EX', TOKEN_TTL_S);
    return token;
  }

  /** What callback data stands for; undefined for a token that expired or never existed. */
  async decode(data: string): Promise<Callback | undefined> {
    if (!data.startsWith(TOKEN_PREFIX)) return { kind: 'command', text: data };
    for (const [prefix, kind] of [
      [CONFIRM_PREFIX, 'confirm'],
      [CANCEL_PREFIX, 'cancel'],
    ] as const) {
      if (!data.startsWith(prefix)) continue;
      const token = data.slice(prefix.length);
      const raw = await this.redis.get(stepKey(token));
      if (raw === null) return undefined;
      const step = JSON.parse(raw) as ConfirmStep;
      return { kind, token, step, expired: this.now() > step.until };
    }
    const raw = await this.redis.get(`opsbot:telegram:callback:${data}`);
    if (raw === null) return undefined;
    // Commands start with a letter: a record starting with "{" is a guarded button's.
    if (!raw.startsWith('{')) return { kind: 'command', text: raw };
    const record = JSON.parse(raw) as GuardedRecord;
    return { kind: 'command', text: record.c, confirm: record.confirm };
  }

  /**
   * Start a confirm step for a guarded button: the step is kept in Redis (who tapped, until
   * when, the keyboard to put back) and the keyboard to show instead — Confirm and Cancel.
   * The record outlives the Confirm window so that Cancel can always restore the keyboard.
   */
  async startConfirm(step: Omit<ConfirmStep, 'until'>): Promise<{ keyboard: InlineKeyboard; step: ConfirmStep }> {
    const token = randomBytes(12).toString('base64url');
    const full: ConfirmStep = { ...step, until: this.now() + CONFIRM_TTL_MS };
    await this.redis.set(stepKey(token), JSON.stringify(full), 'EX', TOKEN_TTL_S);
    return { keyboard: confirmKeyboard(token, step.label), step: full };
  }

  /** End a confirm step; true only for the one caller that ended it (so a double tap runs once). */
  async endConfirm(token: string): Promise<boolean> {
    return (await this.redis.del(stepKey(token))) === 1;
  }
}

/** The keyboard of a confirm step: "✅ Confirm: <label>" and "✖ Cancel", both within 64 bytes. */
export function confirmKeyboard(token: string, label: string): InlineKeyboard {
  return {
    inline_keyboard: [
      [
        { text: `✅ Confirm: ${label}`, callback_data: `${CONFIRM_PREFIX}${token}` },
        { text: '✖ Cancel', callback_data: `${CANCEL_PREFIX}${token}` },
      ],
    ],
  };
}

/** A message's keyboard as Telegram shows it, reduced to what opsbot puts on keyboards. */
export function keyboardOf(message: TgMessage | undefined): InlineKeyboard {
  const rows = message?.reply_markup?.inline_keyboard ?? [];
  return {
    inline_keyboard: rows.map((row) =>
      row.filter((b) => b.callback_data !== undefined).map((b) => ({ text: b.text, callback_data: b.callback_data! })),
    ),
  };
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(12).toString('base64url')}`;
}

function stepKey(token: string): string {
  return `opsbot:telegram:confirm:${token}`;
}

/**
 * The button that was tapped, as the message shows it now. Telegram hands back the message with
 * its current keyboard, so data that is not on it was forged (clients can send any data) or
 * belongs to a keyboard already removed by a decision — both are refused.
 */
export function tappedButton(message: TgMessage | undefined, data: string): TgInlineButton | undefined {
  return message?.reply_markup?.inline_keyboard?.flat().find((b) => b.callback_data === data);
}
