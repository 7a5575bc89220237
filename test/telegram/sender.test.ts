import { Redis } from 'ioredis';
import { Telegraf } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/jobs/outbox.js';
import { CallbackData } from '../../src/bot/adapters/telegram/callback-data.js';
import { MessageRefs } from '../../src/bot/adapters/telegram/message-refs.js';
import { TelegramSender } from '../../src/bot/adapters/telegram/sender.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startTelegramApi, tooManyRequests, type TelegramApiDouble } from '../support/telegram-api.js';
import { BOT_TOKEN } from './harness.js';

/** The sending half against the Bot API stand-in and a real Redis: limits, documents, errors, races. */
describe('TelegramSender', () => {
  let redis: TestRedis;
  let client: Redis;
  let api: TelegramApiDouble;
  let sender: TelegramSender;
  const place = { chatId: '-1009990001', topic: 12, replyTo: 300 };

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    client = new Redis(redis.url);
    api = await startTelegramApi({ token: BOT_TOKEN });
    const telegram = new Telegraf(BOT_TOKEN, { telegram: { apiRoot: api.url, webhookReply: false } }).telegram;
    sender = new TelegramSender({ telegram, refs: new MessageRefs(client), callbacks: new CallbackData(client) });
  });
  afterAll(async () => {
    client?.disconnect();
    await api?.close();
    await redis?.close();
  });

  it('keeps a long last word within 4,096 characters and sends the full text as a document in the topic', async () => {
    const code = Array.from({ length: 800 }, (_, i) => `  # module.vm[${i}] will be created <&>`).join('\n');
    const id = await sender.upsert(
      place,
      'job:long',
      { status: 'success', title: 'Plan for stack core', code, attachment: { name: 'plan-ABCD2345.txt', content: 'full plan\n<&>' } },
      { final: true },
    );
    const sent = api.message(place.chatId, id!)!;
    expect(sent.text!.length).toBeLessThanOrEqual(4096);
    expect(sent.message_thread_id).toBe(12);
    expect(sent.reply_to).toBe(300);
    const docs = (api.messages.get(place.chatId) ?? []).filter((m) => m.document);
    expect(docs.map((d) => d.document!.file_name).sort()).toEqual(['job-long.txt', 'plan-ABCD2345.txt']);
    expect(docs.every((d) => d.reply_to === id && d.message_thread_id === 12)).toBe(true);
    expect(docs.find((d) => d.document!.file_name === 'job-long.txt')!.document!.content).toContain('module.vm[799] will be created <&>');
    expect(api.callsOf('sendDocument')[0]!.files.document?.filename).toBeDefined();
    // Delivered again (a redelivery after a crash): no second document.
    await sender.upsert(
      place,
      'job:long',
      { status: 'success', title: 'Plan for stack core', code, attachment: { name: 'plan-ABCD2345.txt', content: 'full plan\n<&>' } },
      { final: true },
    );
    expect(api.callsOf('sendDocument')).toHaveLength(2);
  });

  it('the ack and the first progress race: one message, later ones edit it, an identical edit is success', async () => {
    const [a, b] = await Promise.allSettled([
      sender.upsert(place, 'job:race', { text: 'Queued as job 7' }, { ackOnly: true }),
      sender.upsert(place, 'job:race', { text: 'Working…' }),
    ]);
    const posted = (api.messages.get(place.chatId) ?? []).filter((m) => /Queued as job 7|Working…/.test(m.text ?? ''));
    expect(posted).toHaveLength(1);
    // Whoever lost either stood back (the ack) or is told to retry shortly (the progress).
    for (const r of [a, b]) if (r.status === 'rejected') expect((r.reason as DeliveryError).opts.retryAfterMs).toBe(250);
    await sender.upsert(place, 'job:race', { text: 'Done' }, { final: true });
    await sender.upsert(place, 'job:race', { text: 'Done' }, { final: true });
    expect(api.message(place.chatId, posted[0]!.message_id)!.text).toBe('Done');
    // A late ack never overwrites what the job already said.
    await sender.upsert(place, 'job:race', { text: 'Queued as job 7' }, { ackOnly: true });
    expect(api.message(place.chatId, posted[0]!.message_id)!.text).toBe('Done');
  });

  it('429 → retry after retry_after seconds; other 4xx → permanent; a deleted message is posted anew', async () => {
    api.failNext('sendMessage', tooManyRequests(7));
    const limited = await sender.upsert(place, 'job:429', { text: 'x' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(DeliveryError);
    expect((limited as DeliveryError).opts).toEqual({ retryAfterMs: 7000 });
    const id = await sender.upsert(place, 'job:429', { text: 'x' });
    expect(id).toBeDefined();

    api.failNext('editMessageText', { error_code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
    const kicked = await sender.upsert(place, 'job:429', { text: 'y' }).catch((e: unknown) => e);
    expect((kicked as DeliveryError).opts.permanent).toBe(true);

    api.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message to edit not found' });
    const fresh = await sender.upsert(place, 'job:429', { text: 'z' });
    expect(fresh).not.toBe(id);
    expect(api.message(place.chatId, fresh!)!.text).toBe('z');
  });

  it('buttons: short ids travel as callback_data, long ones as a token that resolves', async () => {
    const long = `infra apply ${'x'.repeat(70)}`;
    const id = await sender.upsert(place, 'job:buttons', {
      text: 'Plan',
      buttons: [
        { action: { command: 'infra apply', args: ['ABCD2345'] }, label: 'Approve' },
        { action: { command: 'infra apply', args: ['x'.repeat(70)] }, label: 'Long' },
      ],
    });
    const keyboard = (api.message(place.chatId, id!)!.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard.flat();
    expect(keyboard[0]!.callback_data).toBe('infra apply ABCD2345');
    expect(Buffer.byteLength(keyboard[1]!.callback_data)).toBeLessThanOrEqual(64);
    expect(await new CallbackData(client).decode(keyboard[1]!.callback_data)).toEqual({ kind: 'command', text: long });
    expect(await new CallbackData(client).decode('~nosuchtoken')).toBeUndefined();
  });
  it('one message per operation: edited to the latest state and answered with the details; a state delivered late never replaces a later one', async () => {
    const key = 'notify:web|op:1';
    const chat = () => (api.messages.get(place.chatId) ?? []).filter((m) => m.text?.startsWith('web '));
    await sender.notice(place, key, { title: 'web is syncing' }, { rank: 1 });
    const [head] = chat();
    expect(head!.text).toBe('web is syncing');
    await sender.notice(place, key, { title: 'web failed to sync', text: 'hook failed' }, { rank: 5 });
    expect(chat()).toHaveLength(2);
    expect(head!.text).toBe('web failed to sync\nhook failed');
    expect(chat()[1]).toMatchObject({ reply_to: head!.message_id, text: 'web failed to sync\nhook failed' });
    // "synced" delivered after the failure (rank 3 < 5): a reply with its details, the message keeps the failure.
    await sender.notice(place, key, { title: 'web synced' }, { rank: 3 });
    expect(head!.text).toBe('web failed to sync\nhook failed');
    expect(chat()).toHaveLength(3);
    // After a digest: only an existing message is brought up to date, nothing is posted.
    await sender.notice(place, key, { title: 'web deleted' }, { rank: 6, headOnly: true });
    expect(head!.text).toBe('web deleted');
    await sender.notice(place, 'notify:other|op:1', { title: 'web elsewhere' }, { rank: 6, headOnly: true });
    expect(chat()).toHaveLength(3);
  });
});
