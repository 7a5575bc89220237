import type { Button } from './message.js';

/**
 * Every failure a user can meet has a stable code, and callers branch on codes, never on text.
 * The reply text is written where the error is thrown (`userMessage`, free of secrets) and is
 * passed to the chat as it is, so every platform says the same thing.
 */
export type ErrorCode =
  | 'E_CONFIG'
  | 'E_USAGE'
  | 'E_UNKNOWN_COMMAND'
  | 'E_BAD_ARGUMENT'
  | 'E_DENIED'
  | 'E_QUEUE_UNAVAILABLE'
  | 'E_NO_REDIS'
  | 'E_REDIS_UNREACHABLE'
  | 'E_UNKNOWN_JOB'
  | 'E_UNKNOWN_APP'
  | 'E_UNKNOWN_ENV'
  | 'E_UNKNOWN_STACK'
  | 'E_JOB_INTERRUPTED'
  | 'E_TF_MISSING'
  | 'E_INTERNAL'
  /** Codes of the layers below (gitops, terraform, argocd) are declared there. */
  | `E_${Uppercase<string>}`;

export class OpsbotError extends Error {
  readonly code: ErrorCode;
  /** Text safe to show in a chat (already free of secrets). */
  readonly userMessage: string;
  /** What the user can do next, as buttons under the error (a held state lock: Force-unlock). */
  readonly buttons?: readonly Button[];

  constructor(code: ErrorCode, userMessage: string, options?: { cause?: unknown; buttons?: readonly Button[] }) {
    super(userMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsbotError';
    this.code = code;
    this.userMessage = userMessage;
    if (options?.buttons?.length) this.buttons = options.buttons;
  }
}

export function isOpsbotError(err: unknown): err is OpsbotError {
  return err instanceof OpsbotError;
}

/** Exit codes of the CLI: scripts and orchestrators branch on them. */
export const EXIT = {
  ok: 0,
  /** a job failed (console --exec), or the process could not run (Redis unreachable, crash) */
  failed: 1,
  /** bad configuration, bad usage, or a rejected command */
  rejected: 2,
} as const;
