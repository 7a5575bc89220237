import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/jobs/outbox.js';
import { eventually } from '../support/http.js';
import type { Json, StoredMessage } from '../support/telegram-api.js';
import { SECRET, startTelegramOpsbot, type TelegramOpsbot } from './harness.js';
import { ALICE, BOB, postUpdate, tapUpdate, type Person } from './updates.js';

const GROUP = -1001777000333;
type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

/**
 * Telegram has no confirm dialog: a button with `confirm` text (Approve on a destructive plan)
 * asks for a second tap. Only Terraform plans carry one today, so the message is published into
 * the outbox here; its button's id is the command `/jobs`.
 */
describe('Telegram: a button with confirm text runs only after "tap again to confirm", end to end', () => {
  let bot: TelegramOpsbot;
  let redis: Redis;

  beforeAll(async () => {
    bot = await startTelegramOpsbot({ config: `\nchat:\n  telegram:\n    chats: [${GROUP}]\n` });
    redis = new Redis(bot.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await bot?.close();
  });

  const current = (id: number) => bot.api.message(GROUP, id)!;
  const keyboardOf = (id: number) => (current(id).reply_markup as Keyboard | undefined)?.inline_keyboard.flat() ?? [];
  const tap = async (from: Person, message: StoredMessage, label: string) => {
    const data = (message.reply_markup as Keyboard).inline_keyboard.flat().find((b) => b.text === label)!.callback_data;
    const { update, queryId } = tapUpdate({ from, message, data });
    expect((await postUpdate(bot.port, update, SECRET)).status).toBe(200);
    return bot.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === queryId, `the answer to ${label}`);
  };

  it('first tap asks, Cancel restores, someone else cannot confirm, an expired Confirm is refused, Confirm runs once', async () => {
    const event: OutboxEvent = {
      conversation: { platform: 'telegram', channel: String(GROUP) },
      key: 'test:guarded',
      message: {
        title: 'Guarded',
        text: 'A button that asks first',
        buttons: [
          { action: { command: 'jobs', args: [] }, label: 'Show jobs', style: 'danger', confirm: 'Really?' },
          { action: { command: 'status', args: [] }, label: 'Status' },
        ],
      },
    };
    await redis.xadd('opsbot:outbox:telegram', '*', 'e', JSON.stringify(event));
    await eventually(
      async () => (bot.api.messages.get(String(GROUP)) ?? []).some((m) => m.text?.startsWith('Guarded')),
      'the guarded message',
      20_000,
    );
    const id = bot.api.messages.get(String(GROUP))!.find((m) => m.text?.startsWith('Guarded'))!.message_id;
    const original = JSON.parse(JSON.stringify(current(id).reply_markup)) as Json;
    expect(keyboardOf(id).map((b) => b.text)).toEqual(['Show jobs', 'Status']);
    // The guarded button goes by token (its record holds the confirm text); the other one is its command.
    expect(keyboardOf(id)[0]!.callback_data).toMatch(/^~/);
    expect(keyboardOf(id)[1]!.callback_data).toBe('status');
    const ranNothing = () => expect(bot.repliesTo(GROUP, id)).toEqual([]);

    // First tap: nothing runs; the confirm text as an alert; the keyboard becomes Confirm / Cancel.
    const asked = await tap(ALICE, current(id), 'Show jobs');
    expect(asked.params).toMatchObject({ show_alert: true, text: expect.stringContaining('Really?') });
    expect(keyboardOf(id).map((b) => b.text)).toEqual(['✅ Confirm: Show jobs', '✖ Cancel']);
    for (const b of keyboardOf(id)) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    ranNothing();

    // Cancel: the original keyboard is back, nothing ran.
    const cancelled = await tap(ALICE, current(id), '✖ Cancel');
    expect(cancelled.params.show_alert).toBe(false);
    expect(current(id).reply_markup).toEqual(original);
    ranNothing();

    // Someone else's Confirm: an alert, and nothing changes.
    await tap(ALICE, current(id), 'Show jobs');
    const pending = JSON.parse(JSON.stringify(current(id))) as StoredMessage;
    const edits = bot.api.callsOf('editMessageReplyMarkup').length;
    const other = await tap(BOB, pending, '✅ Confirm: Show jobs');
    expect(other.params).toMatchObject({ show_alert: true, text: expect.stringContaining(`Only Alice (telegram:${ALICE.id})`) });
    expect(current(id).reply_markup).toEqual(pending.reply_markup);
    expect(bot.api.callsOf('editMessageReplyMarkup')).toHaveLength(edits);
    ranNothing();

    // An expired Confirm (its two minutes are over): an alert, the original keyboard back, nothing ran.
    const [stepKey] = await redis.keys('opsbot:telegram:confirm:*');
    const step = JSON.parse((await redis.get(stepKey!))!) as { until: number };
    await redis.set(stepKey!, JSON.stringify({ ...step, until: Date.now() - 1 }), 'KEEPTTL');
    const expired = await tap(ALICE, pending, '✅ Confirm: Show jobs');
    expect(expired.params).toMatchObject({ show_alert: true, text: expect.stringContaining('expired') });
    expect(current(id).reply_markup).toEqual(original);
    ranNothing();

    // The same person confirms: the command runs once, as them; the keyboard is removed.
    await tap(ALICE, current(id), 'Show jobs');
    const confirming = JSON.parse(JSON.stringify(current(id))) as StoredMessage;
    const confirmed = await tap(ALICE, confirming, '✅ Confirm: Show jobs');
    expect(confirmed.params).toMatchObject({ show_alert: false, text: 'Show jobs: done' });
    await eventually(async () => bot.repliesTo(GROUP, id).length === 1, 'the /jobs reply', 20_000);
    expect(bot.repliesTo(GROUP, id)[0]!.text).toMatch(/Jobs|No jobs yet/);
    expect(bot.repliesTo(GROUP, id)[0]!.text).toContain(`Show jobs confirmed by Alice (telegram:${ALICE.id})`);
    expect(current(id).reply_markup).toBeUndefined();

    // A second tap on the same Confirm (a double tap, or an old client): refused, still one reply.
    const again = await tap(ALICE, confirming, '✅ Confirm: Show jobs');
    expect(again.params.show_alert).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(bot.repliesTo(GROUP, id)).toHaveLength(1);
    expect(await redis.keys('opsbot:telegram:confirm:*')).toEqual([]);
  });
});
