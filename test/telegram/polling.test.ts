import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { startTelegramOpsbot, type TelegramOpsbot } from './harness.js';
import { ALICE, messageUpdate } from './updates.js';

describe('Telegram without a webhook secret: long polling', () => {
  let bot: TelegramOpsbot;

  beforeAll(async () => {
    bot = await startTelegramOpsbot({ config: `chat:\n  telegram:\n    chats: [${ALICE.id}]\n`, secret: null });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('drops any webhook, long-polls getUpdates and answers what it gets; no webhook route is served', async () => {
    await bot.waitForCall('deleteWebhook');
    const poll = await bot.waitForCall('getUpdates', (c) => Number(c.params.timeout) > 0);
    expect(poll.params.allowed_updates).toEqual(['message', 'callback_query']);
    const { update, messageId } = messageUpdate({ chatId: ALICE.id, from: ALICE, text: '/help' });
    bot.api.queueUpdate(update);
    await eventually(async () => bot.repliesTo(ALICE.id, messageId).length === 1, 'the reply to a polled update');
    expect(bot.repliesTo(ALICE.id, messageId)[0]!.text).toContain('/deploy');
    // The update is confirmed by the next getUpdates offset, so it is not served twice.
    await bot.waitForCall('getUpdates', (c) => Number(c.params.offset) > (update as { update_id: number }).update_id);
    expect(bot.api.callsOf('setWebhook')).toEqual([]);
    const res = await fetch(`http://127.0.0.1:${bot.port}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(update),
    });
    expect(res.status).toBe(404);
  });
});
