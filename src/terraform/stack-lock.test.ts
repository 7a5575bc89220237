import { describe, expect, it } from 'vitest';
import { decodeHolder, describeHolder, encodeHolder } from './stack-lock.js';
import { PLAN_ID_PATTERN, newPlanId } from './plan-store.js';

describe('stack lock holder', () => {
  it('round-trips, and never contains the ":" that separates the lock value', () => {
    const h = { job: '12', kind: 'apply', by: 'Jane: Doe|x', since: 1_700_000_000_000 };
    const text = encodeHolder(h);
    expect(text).not.toContain(':');
    expect(decodeHolder(text)).toEqual({ ...h, by: 'Jane__Doe_x' });
  });

  it.each([undefined, '', 'a|b', 'garbage'])('%j is no holder', (text) => expect(decodeHolder(text)).toBeUndefined());

  it('says who and since when', () => {
    const text = describeHolder('core', { job: '7', kind: 'plan', by: 'alice', since: 0 }, 90_000);
    expect(text).toBe('Stack core is busy: job 7 (alice) has been planning it since 1970-01-01T00:00:00.000Z (90 s ago).');
  });
});

describe('plan ids', () => {
  it('are 8 base32 characters', () => {
    for (let i = 0; i < 200; i++) expect(newPlanId()).toMatch(PLAN_ID_PATTERN);
  });
});
