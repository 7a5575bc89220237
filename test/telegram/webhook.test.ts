import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { NOT_MODIFIED, tooManyRequests } from '../support/telegram-api.js';
import { SECRET, startTelegramOpsbot, type TelegramOpsbot } from './harness.js';
import { ALICE, BOB, messageUpdate, postUpdate } from './updates.js';

const PRIVATE = ALICE.id; // a private chat's id is the user's id
const FORUM = -1001555000111;
const CONFIG = `
chat:
  telegram:
    chats: [${PRIVATE}, "${FORUM}", ${BOB.id}]
access:
  rules:
    - subjects: ["telegram:${ALICE.id}"]
      actions: [admin]
`;

const quiet = () => new Promise((r) => setTimeout(r, 800));

describe('Telegram webhook: intake, replies and edits', () => {
  let bot: TelegramOpsbot;
  let redis: Redis;

  beforeAll(async () => {
    bot = await startTelegramOpsbot({ config: CONFIG, webhookUrl: 'https://opsbot.example.com/telegram/webhook' });
    redis = new Redis(bot.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await bot?.close();
  });

  const send = async (
    text: string,
    opts: { chatId?: number; from?: typeof ALICE; topic?: number; kind?: 'message' | 'edited_message' | 'channel_post' } = {},
  ) => {
    const { update, messageId } = messageUpdate({
      chatId: opts.chatId ?? PRIVATE,
      from: opts.from ?? ALICE,
      text,
      topic: opts.topic,
      kind: opts.kind,
    });
    const res = await postUpdate(bot.port, update, SECRET);
    expect(res.status, res.body).toBe(200);
    return messageId;
  };

  it('publishes its commands (from the command specs) and the webhook with the secret on start', async () => {
    const hook = await bot.waitForCall('setWebhook');
    expect(hook.params).toMatchObject({
      url: 'https://opsbot.example.com/telegram/webhook',
      secret_token: SECRET,
      allowed_updates: ['message', 'callback_query'],
    });
    const commands = bot.api.commands as { command: string; description: string }[];
    const names = commands.map((c) => c.command);
    expect(names).toEqual(expect.arrayContaining(['help', 'deploy', 'rollback', 'infra', 'jobs', 'cancel']));
    expect(new Set(names).size).toBe(names.length);
    expect(commands.find((c) => c.command === 'infra')?.description).toMatch(/plan/);
    expect(bot.api.callsOf('getMe')).not.toHaveLength(0);
  });

  it('refuses calls without the secret or with a wrong one: 401 and nothing processed', async () => {
    const { update, messageId } = messageUpdate({ chatId: PRIVATE, from: ALICE, text: '/help' });
    for (const secret of [undefined, '', 'wrong', `${SECRET}x`, SECRET.slice(0, -1)]) {
      expect((await postUpdate(bot.port, update, secret)).status).toBe(401);
    }
    await quiet();
    expect(bot.repliesTo(PRIVATE, messageId)).toEqual([]);
    expect(await redis.exists(`opsbot:telegram:update:${(update as { update_id: number }).update_id}`)).toBe(0);
    // The same update with the secret is processed: nothing was half-consumed before.
    expect((await postUpdate(bot.port, update, SECRET)).status).toBe(200);
    await eventually(async () => bot.repliesTo(PRIVATE, messageId).length === 1, 'the reply');
  });

  it('answers a command with an HTML reply to it; a redelivered update runs once', async () => {
    const { update, messageId } = messageUpdate({ chatId: PRIVATE, from: ALICE, text: '/help' });
    await postUpdate(bot.port, update, SECRET);
    await postUpdate(bot.port, update, SECRET);
    await eventually(async () => bot.repliesTo(PRIVATE, messageId).length === 1, 'the /help reply');
    const call = bot.api
      .callsOf('sendMessage')
      .find((c) => (c.params.reply_parameters as { message_id?: number } | undefined)?.message_id === messageId)!;
    expect(call.params).toMatchObject({ chat_id: String(PRIVATE), parse_mode: 'HTML' });
    expect(bot.repliesTo(PRIVATE, messageId)[0]!.text).toContain('/deploy');
    await quiet();
    expect(bot.repliesTo(PRIVATE, messageId)).toHaveLength(1);
  });

  it('takes /help@<this bot> in groups, ignores /help@<another bot>, and keeps the forum topic', async () => {
    const ours = await send('/help@opsbot_test_bot', { chatId: FORUM, topic: 77 });
    const theirs = await send('/help@some_other_bot', { chatId: FORUM, topic: 77 });
    await eventually(async () => bot.repliesTo(FORUM, ours).length === 1, 'the reply in the topic');
    expect(bot.repliesTo(FORUM, ours)[0]!.message_thread_id).toBe(77);
    await quiet();
    expect(bot.repliesTo(FORUM, theirs)).toEqual([]);
  });

  it('in a chat not on the list says once that it is not enabled, and runs nothing', async () => {
    const stranger = 5550001;
    const audited = await redis.xlen('opsbot:audit');
    const first = await send('/diagnose', { chatId: stranger });
    const second = await send('/help', { chatId: stranger });
    await eventually(async () => bot.repliesTo(stranger, first).length === 1, 'the notice');
    expect(bot.repliesTo(stranger, first)[0]!.text).toBe(
      `⚠️ opsbot is not enabled in this chat (chat id ${stranger}). An opsbot admin can add it to chat.telegram.chats.`,
    );
    await quiet();
    expect(bot.repliesTo(stranger, second)).toEqual([]);
    expect(bot.api.messages.get(String(stranger))).toHaveLength(1);
    // Nothing reached the router: no command was audited.
    expect(await redis.xlen('opsbot:audit')).toBe(audited);
  });

  it('edited messages and channel posts do not run commands', async () => {
    const edited = await send('/help', { kind: 'edited_message' });
    const post = await send('/help', { chatId: FORUM, kind: 'channel_post' });
    await quiet();
    expect(bot.repliesTo(PRIVATE, edited)).toEqual([]);
    expect(bot.repliesTo(FORUM, post)).toEqual([]);
  });

  it('hostile text in arguments renders literally', async () => {
    const quote = await send('/deploy web "</code><b>&amp;"');
    const rtl = await send('/deploy \u202eweb\u200f 1.0');
    await eventually(async () => bot.repliesTo(PRIVATE, quote).length === 1 && bot.repliesTo(PRIVATE, rtl).length === 1, 'both replies');
    // The stand-in parses the HTML as Telegram does: what people see is the text itself.
    expect(bot.repliesTo(PRIVATE, quote)[0]!.text).toContain('contains "<", which is not accepted');
    expect(bot.repliesTo(PRIVATE, rtl)[0]!.text).toContain('\u202eweb\u200f');
  });

  it("edits the ack as the job progresses; a 429 waits retry_after; 'message is not modified' is success", async () => {
    bot.api.failNext('editMessageText', tooManyRequests(2));
    const asked = await send('/diagnose');
    await eventually(async () => /Diagnosis/.test(bot.repliesTo(PRIVATE, asked)[0]?.text ?? ''), 'the final edit');
    const replies = bot.repliesTo(PRIVATE, asked);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/Redis: \d/);
    const edits = bot.api.callsOf('editMessageText').filter((c) => c.params.message_id === replies[0]!.message_id);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(2000);

    const warnings = bot.proc.stderr.length;
    bot.api.failNext('editMessageText', NOT_MODIFIED, 5);
    const again = await send('/diagnose');
    await eventually(async () => bot.repliesTo(PRIVATE, again).length === 1, 'the ack');
    await new Promise((r) => setTimeout(r, 3000));
    expect(bot.proc.stderr.slice(warnings)).not.toMatch(/delivery retried|message not delivered/);
  });
});
