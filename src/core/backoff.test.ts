import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, sleep } from './backoff.js';

describe('backoff', () => {
  it('doubles from the base up to the cap; without jitter exactly so', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, { baseMs: 500, maxMs: 5000, jitter: 'none' }))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('with jitter, between half the ceiling and the ceiling', () => {
    for (let n = 0; n < 50; n++) {
      const d = backoffDelay(3, { baseMs: 100, maxMs: 10_000 });
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('a Backoff counts its own tries and starts over on reset', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 1000, jitter: 'none' });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    b.reset();
    expect(b.next()).toBe(10);
  });

  it('sleep ends early, without an error, when its signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const waiting = sleep(60_000, abort.signal);
    abort.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(5, AbortSignal.abort());
  });
});
