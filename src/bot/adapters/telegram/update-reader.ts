import type { Actor } from '../../../core/message.js';

/** The parts of Telegram's Update JSON that opsbot reads (Bot API "Update", "Message", "CallbackQuery"). */
export interface TgUser {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: string;
  title?: string;
}

export interface TgInlineButton {
  text: string;
  callback_data?: string;
}

export interface TgMessage {
  message_id: number;
  date?: number;
  chat: TgChat;
  from?: TgUser;
  /** Set when a group's anonymous admin or a channel speaks: no person to hold to account. */
  sender_chat?: TgChat;
  text?: string;
  entities?: { type: string; offset: number; length: number }[];
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_markup?: { inline_keyboard?: TgInlineButton[][] };
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  data?: string;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  channel_post?: TgMessage;
  edited_channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
}

/** Where a reply goes: the chat, its forum topic, and the message it answers. */
export interface TgPlace {
  chatId: string;
  /** Forum topic (`message_thread_id` of a topic message). */
  topic?: number;
  replyTo?: number;
}

export type Intake =
  | { kind: 'command'; place: TgPlace; actor: Actor; text: string }
  | { kind: 'tap'; place: TgPlace & { replyTo: number }; actor: Actor; query: TgCallbackQuery; data: string }
  | { kind: 'ignore'; reason: string; chatId?: string };

/**
 * One Telegram update → what opsbot should do with it. Pure. Only new messages starting with a
 * bot command (addressed to no bot or to this one) and button taps count: edited messages and
 * channel posts never run a command (an edit must not re-run a deploy), nor do other bots or
 * anonymous admins (no user id to check access for).
 */
export function readUpdate(update: TgUpdate, botUsername: string | undefined): Intake {
  if (update.callback_query) return readTap(update.callback_query);
  const msg = update.message;
  if (!msg) {
    const other = update.edited_message ?? update.channel_post ?? update.edited_channel_post;
    return {
      kind: 'ignore',
      reason: update.edited_message ? 'edited message' : other ? 'channel post' : 'unsupported update',
      chatId: other ? String(other.chat.id) : undefined,
    };
  }
  const chatId = String(msg.chat.id);
  if (msg.chat.type === 'channel') return { kind: 'ignore', reason: 'channel post', chatId };
  if (!msg.from || msg.from.is_bot || msg.sender_chat) return { kind: 'ignore', reason: 'not sent by a person', chatId };
  const text = msg.text ?? '';
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)/.exec(text);
  if (!m) return { kind: 'ignore', reason: 'not a command', chatId };
  const [whole, name = '', addressee] = m;
  // "/deploy@otherbot" in a group is for another bot; without knowing our own name we cannot tell.
  if (addressee && addressee.toLowerCase() !== botUsername?.toLowerCase()) return { kind: 'ignore', reason: `addressed to @${addressee}`, chatId };
  // Telegram clients send /start when someone opens a chat with the bot: show what it can do.
  const command = name.toLowerCase() === 'start' ? 'help' : name;
  return {
    kind: 'command',
    place: { chatId, topic: topicOf(msg), replyTo: msg.message_id },
    actor: actorOf(msg.from),
    text: `${command}${text.slice(whole.length)}`,
  };
}

function readTap(query: TgCallbackQuery): Intake {
  const msg = query.message;
  if (!msg || query.data === undefined) return { kind: 'ignore', reason: 'button on a message opsbot cannot see' };
  if (query.from.is_bot) return { kind: 'ignore', reason: 'not sent by a person', chatId: String(msg.chat.id) };
  return {
    kind: 'tap',
    place: { chatId: String(msg.chat.id), topic: topicOf(msg), replyTo: msg.message_id },
    actor: actorOf(query.from),
    query,
    data: query.data,
  };
}

function topicOf(msg: TgMessage): number | undefined {
  return msg.is_topic_message && msg.message_thread_id ? msg.message_thread_id : undefined;
}

/** `telegram:<user id>` is the subject; the name is for humans only. */
export function actorOf(user: TgUser): Actor {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username || String(user.id);
  return { platform: 'telegram', id: String(user.id), displayName: name };
}

/**
 * `ConversationRef.thread` for Telegram: `<topic>` (as notification routes write
 * `telegram:<chat>/<topic>`), or `<topic>~<message id>` / `~<message id>` when opsbot answers a
 * particular message (the command, or the message whose button was tapped).
 */
export function formatThread(place: Pick<TgPlace, 'topic' | 'replyTo'>): string | undefined {
  if (place.replyTo !== undefined) return `${place.topic ?? ''}~${place.replyTo}`;
  return place.topic !== undefined ? String(place.topic) : undefined;
}

export function parseThread(thread: string | undefined): Pick<TgPlace, 'topic' | 'replyTo'> {
  const m = /^(\d+)?(?:~(\d+))?$/.exec(thread ?? '');
  if (!m) return {};
  return { ...(m[1] ? { topic: Number(m[1]) } : {}), ...(m[2] ? { replyTo: Number(m[2]) } : {}) };
}
