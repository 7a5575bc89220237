import { describe, expect, it } from 'vitest';
import { RateWindows } from './rate-windows.js';

describe('rate windows', () => {
  it('one per second per chat: each send waits for the window of the one before', () => {
    let now = 0;
    const w = new RateWindows(() => now);
    const chat = [{ key: 'chat:1', max: 1, windowMs: 1000 }];
    expect([w.reserve(chat), w.reserve(chat), w.reserve(chat)]).toEqual([0, 1000, 2000]);
    now = 5000;
    expect(w.reserve(chat)).toBe(0);
  });

  it('chats do not wait for each other, but share the bot-wide window (Telegram: 30/s)', () => {
    const now = 0;
    const w = new RateWindows(() => now);
    const waits = Array.from({ length: 31 }, (_, i) =>
      w.reserve([
        { key: `chat:${i}`, max: 1, windowMs: 1000 },
        { key: 'bot', max: 30, windowMs: 1000 },
      ]),
    );
    expect(waits.slice(0, 30).every((x) => x === 0)).toBe(true);
    expect(waits[30]).toBe(1000);
  });

  it('20 per minute per group: the 21st waits for the first to leave the window', () => {
    const w = new RateWindows(() => 0);
    const group = [{ key: 'group:-1', max: 20, windowMs: 60_000 }];
    const waits = Array.from({ length: 21 }, () => w.reserve(group));
    expect(waits[19]).toBe(0);
    expect(waits[20]).toBe(60_000);
  });

  it('a Retry-After blocks only its own key', () => {
    const w = new RateWindows(() => 0);
    w.block({ key: 'chat:1', max: 1, windowMs: 1000 }, 5000);
    expect(w.reserve([{ key: 'chat:1', max: 1, windowMs: 1000 }])).toBe(5000);
    expect(w.reserve([{ key: 'chat:2', max: 1, windowMs: 1000 }])).toBe(0);
  });
});
