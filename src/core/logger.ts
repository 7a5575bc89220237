import { pino, type Logger } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger };

/**
 * Structured JSON logs; pretty when a person is watching a terminal. Every line passes the
 * Redactor, so a secret that slips into a message or an error never reaches the log sink — by
 * structure (each string of the line's JSON), so the line stays JSON whatever the secret is.
 */
export function createLogger(opts: { level?: string; pretty?: boolean; redactor: Redactor; destination?: number }): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = (opts.pretty ?? (process.stdout.isTTY === true && !process.env.CI)) && prettyInstalled();
  const hooks = {
    streamWrite: (line: string) => opts.redactor.redactJsonLine(line),
  };
  if (pretty) {
    return pino({
      level,
      hooks,
      transport: { target: 'pino-pretty', options: { destination: opts.destination ?? 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, hooks }, pino.destination({ dest: opts.destination ?? 2, sync: true }));
}

/** pino-pretty is a development dependency: a production install logs JSON even in a terminal. */
function prettyInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
