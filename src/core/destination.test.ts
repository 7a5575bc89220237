import { describe, expect, it } from 'vitest';
import { isDestination, parseDestination } from './destination.js';

describe('parseDestination', () => {
  it.each([
    ['slack:C0123DEPLOY', { platform: 'slack', channel: 'C0123DEPLOY' }],
    ['slack:#deploys', { platform: 'slack', channel: '#deploys' }],
    ['telegram:-1001234567890', { platform: 'telegram', channel: '-1001234567890' }],
    ['telegram:-1001234567890/7', { platform: 'telegram', channel: '-1001234567890', thread: '7' }],
    ['telegram:123456789', { platform: 'telegram', channel: '123456789' }],
    ['console', { platform: 'console', channel: 'notifications' }],
  ])('%s → %j', (text, ref) => {
    expect(isDestination(text)).toBe(true);
    expect(parseDestination(text)).toEqual(ref);
  });

  it('the console stream is the caller’s to name', () => {
    expect(parseDestination('console', 'drift')).toEqual({ platform: 'console', channel: 'drift' });
  });

  it.each(['email:x@y', 'slack:', 'slack:c0123', 'slack:C1/17', 'telegram:abc', 'telegram:-100/x', 'console:alice', 'Console', ''])(
    'refuses %j',
    (text) => {
      expect(isDestination(text)).toBe(false);
      expect(() => parseDestination(text)).toThrow(expect.objectContaining({ code: 'E_BAD_DESTINATION' }));
    },
  );
});
