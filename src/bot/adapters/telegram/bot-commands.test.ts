import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../commands/index.js';
import { toDeliveryError, isNotModified } from './api-errors.js';
import { botCommands } from './bot-commands.js';

describe('botCommands', () => {
  it('one entry per first word, within Telegram limits, generated from the specs', () => {
    const list = botCommands(ALL_COMMANDS);
    expect(list.map((c) => c.command)).toEqual(expect.arrayContaining(['help', 'deploy', 'rollback', 'infra', 'jobs', 'cancel']));
    for (const c of list) {
      expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(c.description.length).toBeGreaterThan(0);
      expect(c.description.length).toBeLessThanOrEqual(256);
    }
    expect(list.find((c) => c.command === 'deploy')?.description).toBe(ALL_COMMANDS.find((c) => c.name === 'deploy')?.summary);
  });

  it('a word with only subcommands lists them; long summaries are cut', () => {
    expect(
      botCommands([
        { name: 'infra plan', summary: 'x' },
        { name: 'infra apply', summary: 'y' },
      ]),
    ).toEqual([{ command: 'infra', description: 'infra plan | apply: see /help' }]);
    expect(botCommands([{ name: 'x', summary: 'a'.repeat(300) }])[0]!.description).toHaveLength(256);
  });
});

describe('Bot API errors', () => {
  const telegramError = (error_code: number, description: string, parameters?: object) =>
    Object.assign(new Error(description), { response: { ok: false, error_code, description, parameters } });
  it.each([
    [telegramError(429, 'Too Many Requests: retry after 12', { retry_after: 12 }), { retryAfterMs: 12_000 }],
    [telegramError(502, 'Bad Gateway'), {}],
    [telegramError(400, 'Bad Request: chat not found'), { permanent: true }],
    [telegramError(403, 'Forbidden: bot was blocked by the user'), { permanent: true }],
    [new Error('connect ECONNREFUSED'), {}],
  ])('%s → %j', (err, opts) => {
    expect(toDeliveryError(err).opts).toEqual(opts);
  });
  it('recognises "message is not modified"', () => {
    expect(
      isNotModified(telegramError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same')),
    ).toBe(true);
    expect(isNotModified(telegramError(400, 'Bad Request: chat not found'))).toBe(false);
  });
});
