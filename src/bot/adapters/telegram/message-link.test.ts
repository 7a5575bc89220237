import { describe, expect, it } from 'vitest';
import { telegramMessageLink } from './message-link.js';

describe('a link to a Telegram message', () => {
  it.each([
    ['-1001234567890', 42, { url: 'https://t.me/c/1234567890/42', text: 'the message in Telegram chat -1001234567890' }],
    ['123456789', 7, { text: 'Telegram chat 123456789, message 7 (a private chat: Telegram has no link to it)' }],
    ['-987654', 3, { text: 'Telegram chat -987654, message 3 (a basic group: Telegram has no link to it)' }],
    ['-1001234567890', undefined, { text: 'Telegram chat -1001234567890' }],
  ])('chat %s, message %s', (chat, message, link) => {
    expect(telegramMessageLink(chat, message)).toEqual(link);
  });
});
