import { describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET_PATTERN, webhookSecretMatches } from './webhook-secret.js';

describe('webhookSecretMatches', () => {
  it.each([
    ['the secret', 's3cret_-X', true],
    ['nothing', undefined, false],
    ['an empty header', '', false],
    ['a prefix', 's3cret_-', false],
    ['a longer value', 's3cret_-XX', false],
    ['another case', 'S3CRET_-x', false],
    ['a repeated header', ['s3cret_-X', 's3cret_-X'], false],
  ])('%s → %s', (_what, header, ok) => {
    expect(webhookSecretMatches('s3cret_-X', header)).toBe(ok);
  });

  it('accepts only what Telegram allows as secret_token', () => {
    expect(WEBHOOK_SECRET_PATTERN.test('a'.repeat(256))).toBe(true);
    for (const bad of ['', 'a'.repeat(257), 'has space', 'ümlaut', 'a/b']) expect(WEBHOOK_SECRET_PATTERN.test(bad)).toBe(false);
  });
});
