import { describe, expect, it } from 'vitest';
import { ownEntry } from './own-entry.js';

describe('ownEntry', () => {
  const apps: Record<string, { image: string }> = { web: { image: 'ghcr.io/example/web' } };
  it('finds what the record holds', () => {
    expect(ownEntry(apps, 'web')).toEqual({ image: 'ghcr.io/example/web' });
    expect(ownEntry(apps, 'api')).toBeUndefined();
  });
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])('%s names nothing', (name) => {
    expect(ownEntry(apps, name)).toBeUndefined();
  });
  it('a record that really has such a key answers it', () => {
    const odd: Record<string, number> = Object.fromEntries([['constructor', 1]]);
    expect(ownEntry(odd, 'constructor')).toBe(1);
  });
});
