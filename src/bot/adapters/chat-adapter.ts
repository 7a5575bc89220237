import type { Platform } from '../../core/message.js';
import type { OutboxEvent } from '../../jobs/outbox.js';

/**
 * What every chat platform adapter offers (STYLE: one folder per platform, same small
 * interface). Receiving is the adapter's own business (webhook, socket, terminal); it turns each
 * event into a `Command` for the router. Sending is `deliver`: one outbox event → platform calls.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Post or edit the message keyed by `event.key` in `event.conversation`. Throw a
   * `DeliveryError` to have the delivery loop retry (rate limit, 5xx) or give up (permanent).
   */
  deliver(event: OutboxEvent): Promise<void>;
  /** Minimum gap between two messages to one conversation (platform limits), in ms. */
  readonly pacingMs: number;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly opts: { retryAfterMs?: number; permanent?: boolean } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
