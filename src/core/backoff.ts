/**
 * Waiting between tries, in one place: the GitOps push retries, the Kubernetes watch, chat
 * delivery, the Telegram start-up and lock polling all wait with these.
 */

/** Resolves after `ms`, or early when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /**
   * `equal` (the default): somewhere between half the ceiling and the ceiling, so racing
   * writers spread out instead of colliding again in lockstep ("Exponential Backoff and
   * Jitter", AWS Architecture Blog). `none`: exactly the ceiling.
   */
  jitter?: 'equal' | 'none';
}

/** The wait before retry `n` (0 for the first retry): `baseMs · 2ⁿ`, capped at `maxMs`, jittered. */
export function backoffDelay(n: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(n, 30));
  if (opts.jitter === 'none') return ceiling;
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** `backoffDelay` with its own count of tries, for a loop that retries until it works. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    const delay = backoffDelay(this.attempt, this.opts);
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
