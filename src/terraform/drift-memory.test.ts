import { describe, expect, it } from 'vitest';
import { NO_CHANGES, ONE_CREATE } from '../../test/support/fakes.js';
import { driftChange, driftFingerprint } from './drift-memory.js';

describe('drift that speaks only when it changes', () => {
  it.each([
    [null, null, 'none'],
    [null, 'a', 'appeared'],
    ['a', 'a', 'same'],
    ['a', 'b', 'changed'],
    ['a', null, 'gone'],
  ] as const)('%s → %s: %s', (before, now, change) => {
    expect(driftChange(before, now)).toBe(change);
  });

  it('the fingerprint follows which resources change and how, not when', () => {
    expect(driftFingerprint(ONE_CREATE)).toBe(driftFingerprint({ ...ONE_CREATE }));
    expect(driftFingerprint(ONE_CREATE)).not.toBe(driftFingerprint({ ...ONE_CREATE, groups: [{ action: 'create', addresses: ['terraform_data.y'], more: 0 }] }));
    expect(driftFingerprint(ONE_CREATE)).not.toBe(driftFingerprint(NO_CHANGES));
  });
});
