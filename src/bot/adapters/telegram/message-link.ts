import type { ChatLink } from '../../../core/message.js';

/**
 * A link to a message in a Telegram chat, for pointing at it from outside (a pull request
 * comment). Only supergroups and channels have one: `https://t.me/c/<internal id>/<message id>`,
 * where the internal id is the Bot API chat id without its `-100` prefix; it opens for members.
 * Private chats and basic groups have none: then the chat and message are named in words.
 */
export function telegramMessageLink(chatId: string, messageId: number | undefined): ChatLink {
  if (messageId === undefined) return { text: `Telegram chat ${chatId}` };
  const internal = /^-100(\d+)$/.exec(chatId)?.[1];
  if (internal) return { url: `https://t.me/c/${internal}/${messageId}`, text: `the message in Telegram chat ${chatId}` };
  const kind = chatId.startsWith('-') ? 'a basic group' : 'a private chat';
  return { text: `Telegram chat ${chatId}, message ${messageId} (${kind}: Telegram has no link to it)` };
}
