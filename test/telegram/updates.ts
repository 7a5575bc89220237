import { randomInt } from 'node:crypto';
import type { Json, StoredMessage } from '../support/telegram-api.js';

/** Real Bot API `Update` JSON, as Telegram posts it to a webhook or returns from getUpdates. */
let nextUpdateId = randomInt(1_000_000, 9_000_000);
let nextMessageId = 100;

export interface Person {
  id: number;
  first_name: string;
  username?: string;
}

export const ALICE: Person = { id: 42, first_name: 'Alice', username: 'alice_ops' };
export const BOB: Person = { id: 43, first_name: 'Bob', username: 'bob_ops' };
export const MALLORY: Person = { id: 66, first_name: 'Mallory' };

export function chatOf(chatId: number): Json {
  return chatId < 0 ? { id: chatId, type: 'supergroup', title: 'ops', is_forum: true } : { id: chatId, type: 'private', first_name: 'Alice' };
}

/** A text message; a leading "/word" gets its bot_command entity as Telegram adds it. */
export function messageUpdate(opts: {
  chatId: number;
  from: Person;
  text: string;
  topic?: number;
  kind?: 'message' | 'edited_message' | 'channel_post';
}): { update: Json; messageId: number } {
  const messageId = nextMessageId++;
  const command = /^\/\S+/.exec(opts.text);
  const message: Record<string, Json> = {
    message_id: messageId,
    date: Math.floor(Date.now() / 1000),
    chat: chatOf(opts.chatId),
    text: opts.text,
    ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    ...(opts.topic !== undefined ? { message_thread_id: opts.topic, is_topic_message: true } : {}),
  };
  if (opts.kind === 'channel_post') {
    message.chat = { id: opts.chatId, type: 'channel', title: 'announcements' };
    message.sender_chat = message.chat;
  } else {
    message.from = {
      id: opts.from.id,
      is_bot: false,
      first_name: opts.from.first_name,
      ...(opts.from.username ? { username: opts.from.username } : {}),
    };
  }
  if (opts.kind === 'edited_message') message.edit_date = Math.floor(Date.now() / 1000);
  return { update: { update_id: nextUpdateId++, [opts.kind ?? 'message']: message }, messageId };
}

/** A tap on an inline button of a message the bot sent, carrying the message as Telegram shows it now. */
export function tapUpdate(opts: { from: Person; message: StoredMessage; data: string }): { update: Json; queryId: string } {
  const queryId = String(nextUpdateId * 7);
  const m = opts.message;
  return {
    queryId,
    update: {
      update_id: nextUpdateId++,
      callback_query: {
        id: queryId,
        from: { id: opts.from.id, is_bot: false, first_name: opts.from.first_name },
        chat_instance: '-5123',
        data: opts.data,
        message: {
          message_id: m.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: chatOf(Number(m.chat_id)),
          from: { id: 7000000001, is_bot: true, first_name: 'opsbot', username: 'opsbot_test_bot' },
          text: m.text ?? '',
          ...(m.message_thread_id !== undefined ? { message_thread_id: m.message_thread_id, is_topic_message: true } : {}),
          ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
        },
      },
    },
  };
}

/** POST an update to opsbot's webhook, as Telegram does (with the secret header unless told otherwise). */
export async function postUpdate(port: number, update: Json, secret: string | undefined): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(update),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: await res.text() };
}
