/**
 * Sliding windows of sends, per key: "at most `max` in any `windowMs`" — the way the chat
 * platforms state their limits (Slack: about 1 per second per channel; Telegram: 1 per second
 * per chat, 20 per minute per group, 30 per second per bot). A send usually falls under
 * several windows at once (its chat and the whole bot); `reserve` books one slot in each at the
 * earliest time all of them allow, so lanes running side by side never overbook a shared one.
 *
 * Pure apart from the clock it is given.
 */
export interface RateLimit {
  /** What the limit is about: `chat:<id>`, `group:<id>`, `bot`. */
  key: string;
  max: number;
  windowMs: number;
}

export class RateWindows {
  /** Booked send times per key, oldest first (at most `max` of the longest window are kept). */
  private readonly booked = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Books a slot under every limit; resolves to how long to wait before sending (0: now). */
  reserve(limits: RateLimit[]): number {
    const now = this.now();
    const at = this.earliest(limits, now);
    for (const l of limits) {
      const times = (this.booked.get(l.key) ?? []).filter((t) => t > now - l.windowMs);
      times.push(at);
      times.sort((a, b) => a - b);
      this.booked.set(l.key, times.slice(-Math.max(l.max, 1)));
    }
    return at - now;
  }

  /** How long until every limit has room, booking nothing (a lane waits, then decides what to send). */
  wait(limits: RateLimit[]): number {
    const now = this.now();
    return this.earliest(limits, now) - now;
  }

  private earliest(limits: RateLimit[], now: number): number {
    let at = now;
    // The earliest time at which every window has room: each window moves `at` forward at most once
    // per pass, and a pass with no move is the answer.
    for (let moved = true; moved;) {
      moved = false;
      for (const l of limits) {
        const times = this.booked.get(l.key) ?? [];
        const inWindow = times.filter((t) => t > at - l.windowMs);
        if (inWindow.length >= l.max) {
          const next = inWindow[inWindow.length - l.max]! + l.windowMs;
          if (next > at) {
            at = next;
            moved = true;
          }
        }
      }
    }
    return at;
  }

  /** Nothing may be sent under `key` before `untilMs` from now (a 429's Retry-After). */
  block(limit: RateLimit, untilMs: number): void {
    const at = this.now() + untilMs - limit.windowMs;
    this.booked.set(
      limit.key,
      Array.from({ length: limit.max }, () => at),
    );
  }

  /** Forget keys with nothing booked in the last `olderThanMs` (lanes of quiet conversations). */
  prune(olderThanMs: number): void {
    const cutoff = this.now() - olderThanMs;
    for (const [key, times] of this.booked) if ((times[times.length - 1] ?? 0) < cutoff) this.booked.delete(key);
  }
}
