import { describe, expect, it } from 'vitest';
import { formatThread, parseThread, readUpdate, type TgMessage, type TgUpdate } from './update-reader.js';

const from = { id: 42, is_bot: false, first_name: 'Alice', last_name: 'Ops', username: 'alice' };
const msg = (text: string, extra: Partial<TgMessage> = {}): TgMessage => ({
  message_id: 9,
  chat: { id: -100123, type: 'supergroup' },
  from,
  text,
  ...extra,
});
const read = (u: Partial<TgUpdate>) => readUpdate({ update_id: 1, ...u }, 'opsbot_bot');

describe('readUpdate', () => {
  it.each([
    ['/deploy web 1.2 prod', 'deploy web 1.2 prod'],
    ['/deploy@opsbot_bot web 1.2', 'deploy web 1.2'],
    ['/deploy@OpsBot_Bot web', 'deploy web'],
    ['/jobs', 'jobs'],
    ['/start', 'help'],
  ])('%s → router text %s, as telegram:<user id>', (text, expected) => {
    const r = read({ message: msg(text) });
    expect(r).toMatchObject({
      kind: 'command',
      text: expected,
      actor: { platform: 'telegram', id: '42', displayName: 'Alice Ops' },
      place: { chatId: '-100123', replyTo: 9 },
    });
  });

  it.each([
    ['another bot', { message: msg('/deploy@other_bot web 1') }, 'addressed to @other_bot'],
    ['plain text', { message: msg('deploy web 1') }, 'not a command'],
    ['an edited message', { edited_message: msg('/deploy web 1') }, 'edited message'],
    ['a channel post', { channel_post: msg('/deploy web 1', { chat: { id: -1009, type: 'channel' } }) }, 'channel post'],
    ['an anonymous admin', { message: msg('/deploy web 1', { sender_chat: { id: -100123, type: 'supergroup' } }) }, 'not sent by a person'],
    ['a bot', { message: msg('/deploy web 1', { from: { id: 5, is_bot: true } }) }, 'not sent by a person'],
  ])('ignores %s', (_what, update, reason) => {
    expect(read(update)).toMatchObject({ kind: 'ignore', reason });
  });

  it('without knowing its own name, ignores every /cmd@name', () => {
    expect(readUpdate({ update_id: 1, message: msg('/help@opsbot_bot') }, undefined)).toMatchObject({ kind: 'ignore' });
  });

  it('keeps the forum topic of a topic message only', () => {
    expect(read({ message: msg('/jobs', { message_thread_id: 77, is_topic_message: true }) })).toMatchObject({ place: { topic: 77 } });
    expect(read({ message: msg('/jobs', { message_thread_id: 77 }) })).toMatchObject({ place: { topic: undefined } });
  });

  it('reads a button tap with the tapping user and the message it was on', () => {
    const r = read({
      callback_query: { id: 'q1', from: { id: 43, first_name: 'Bob' }, data: 'deploy approve 5', message: msg('PR', { message_id: 50 }) },
    });
    expect(r).toMatchObject({ kind: 'tap', data: 'deploy approve 5', actor: { id: '43' }, place: { chatId: '-100123', replyTo: 50 } });
  });
});

describe('thread references', () => {
  it.each([
    [{}, undefined],
    [{ topic: 7 }, '7'],
    [{ replyTo: 9 }, '~9'],
    [{ topic: 7, replyTo: 9 }, '7~9'],
  ])('%j ⇄ %s', (place, thread) => {
    expect(formatThread(place)).toBe(thread);
    expect(parseThread(thread)).toEqual(place);
  });
  it('ignores what it did not write', () => expect(parseThread('1700000000.0001')).toEqual({}));
});
