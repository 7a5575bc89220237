import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLBACK_DATA_MAX_BYTES,
  CallbackData,
  CONFIRM_TTL_MS,
  confirmKeyboard,
  keyboardOf,
  type InlineKeyboard,
} from '../../src/bot/adapters/telegram/callback-data.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/** Keyboards and tokens against a real Redis: guarded buttons, the confirm step, its expiry. */
describe('CallbackData: tap again to confirm', () => {
  let redis: TestRedis;
  let client: Redis;
  let now = 1_700_000_000_000;
  let callbacks: CallbackData;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url);
    callbacks = new CallbackData(client, { now: () => now });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  const flat = (k: InlineKeyboard | undefined) => k!.inline_keyboard.flat();

  it('a button with confirm text goes by token, whose record carries the text; others are unchanged', async () => {
    const keyboard = await callbacks.keyboard([
      {
        action: { command: 'infra apply', args: ['ABCD2345'] },
        label: 'Approve',
        style: 'primary',
        confirm: 'Destroys 2 resources. Apply plan ABCD2345 to stack core?',
      },
      { action: { command: 'infra reject', args: ['ABCD2345'] }, label: 'Reject' },
    ]);
    const [approve, reject] = flat(keyboard);
    expect(approve!.text).toBe('Approve');
    expect(approve!.callback_data).toMatch(/^~[A-Za-z0-9_-]{16}$/);
    expect(reject!.callback_data).toBe('infra reject ABCD2345');
    expect(await callbacks.decode(approve!.callback_data)).toEqual({
      kind: 'command',
      text: 'infra apply ABCD2345',
      confirm: 'Destroys 2 resources. Apply plan ABCD2345 to stack core?',
    });
    expect(await callbacks.decode(reject!.callback_data)).toEqual({ kind: 'command', text: 'infra reject ABCD2345' });
    // A record written before guarded buttons existed (plain command text) still decodes.
    await client.set('opsbot:telegram:callback:~legacytoken00000', 'deploy approve 7');
    expect(await callbacks.decode('~legacytoken00000')).toEqual({ kind: 'command', text: 'deploy approve 7' });
  });

  it('the confirm step: Confirm and Cancel within 64 bytes, who tapped, the keyboard to restore, expiry, single use', async () => {
    const original: InlineKeyboard = {
      inline_keyboard: [
        [
          { text: 'Approve', callback_data: '~guardedtoken0000' },
          { text: 'Reject', callback_data: 'infra reject X' },
        ],
      ],
    };
    const { keyboard, step } = await callbacks.startConfirm({
      command: 'infra apply X',
      label: 'Approve',
      user: '42',
      userName: 'Alice (telegram:42)',
      keyboard: original,
    });
    expect(step.until).toBe(now + CONFIRM_TTL_MS);
    const [confirm, cancel] = flat(keyboard);
    expect(confirm!.text).toBe('✅ Confirm: Approve');
    expect(cancel!.text).toBe('✖ Cancel');
    for (const b of [confirm!, cancel!]) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
    expect(confirm!.callback_data).not.toBe(cancel!.callback_data);

    const decoded = await callbacks.decode(confirm!.callback_data);
    expect(decoded).toMatchObject({
      kind: 'confirm',
      expired: false,
      step: { command: 'infra apply X', label: 'Approve', user: '42', keyboard: original },
    });
    expect(await callbacks.decode(cancel!.callback_data)).toMatchObject({ kind: 'cancel', step: { keyboard: original } });
    const token = decoded!.kind === 'confirm' ? decoded!.token : '';
    expect(confirmKeyboard(token, 'Approve')).toEqual(keyboard);
    // The record outlives the Confirm window (Cancel can still restore), but Confirm is expired.
    now += CONFIRM_TTL_MS + 1;
    expect(await callbacks.decode(confirm!.callback_data)).toMatchObject({ kind: 'confirm', expired: true });
    expect(await client.ttl(`opsbot:telegram:confirm:${token}`)).toBeGreaterThan(CONFIRM_TTL_MS / 1000);
    // Ending it is single-use: a double tap runs the command once.
    expect(await callbacks.endConfirm(token)).toBe(true);
    expect(await callbacks.endConfirm(token)).toBe(false);
    expect(await callbacks.decode(confirm!.callback_data)).toBeUndefined();
    expect(await callbacks.decode('~ok:nosuchstep0000000')).toBeUndefined();
  });

  it('keyboardOf: the message keyboard as Telegram shows it, callback buttons only', () => {
    expect(
      keyboardOf({
        message_id: 1,
        chat: { id: 1, type: 'private' },
        reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }, { text: 'link' }]] },
      }),
    ).toEqual({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] });
    expect(keyboardOf(undefined)).toEqual({ inline_keyboard: [] });
  });
});
