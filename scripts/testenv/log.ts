/** Step logging: every step prints what it does and how long it took. */

export class TestenvError extends Error {
  constructor(
    readonly part: string,
    message: string,
  ) {
    super(`[${part}] ${message}`);
    this.name = 'TestenvError';
  }
}

/** A step stopped because another one failed: reported as cancelled, never as the failure. */
export class CancelledError extends TestenvError {}

export function info(msg: string): void {
  console.log(`[testenv] ${msg}`);
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Runs one step, printing its name, then "ok"/"FAILED" with its duration and an optional note. */
export async function step<T>(name: string, fn: () => Promise<T>, note?: (r: T) => string): Promise<T> {
  const t0 = Date.now();
  console.log(`[testenv] ▸ ${name} …`);
  try {
    const r = await fn();
    const extra = note ? ` (${note(r)})` : '';
    console.log(`[testenv] ✓ ${name} — ${secs(Date.now() - t0)}${extra}`);
    return r;
  } catch (err) {
    console.error(`[testenv] ✗ ${name} — ${err instanceof CancelledError ? 'cancelled' : 'FAILED'} after ${secs(Date.now() - t0)}`);
    throw err;
  }
}

/** Last lines of a command's output, enough to see why it failed without flooding the log. */
export function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
