import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../core/audit.js';
import type { Config } from '../../core/config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { Platform } from '../../core/message.js';
import type { Metrics } from '../../core/metrics.js';
import type { Policy } from '../../core/policy.js';
import type { Redactor } from '../../core/redact.js';
import type { OutboxEvent } from '../../jobs/outbox.js';
import type { OutboxConsumer } from '../../jobs/outbox-delivery.js';
import type { RateLimits } from '../rate-limits.js';
import type { CommandRouter } from '../router.js';

/**
 * What every chat platform adapter offers (STYLE: one folder per platform, same small
 * interface). Receiving is the adapter's own business (webhook, socket, terminal); Slack and
 * Telegram hand each request to the intake pipeline (bot/intake.ts), which runs it through the
 * router at most once. Sending is `deliver`: one outbox event → platform calls.
 */
export interface ChatAdapter extends OutboxConsumer {
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

/** What a chat adapter may use; handed in by the composition root. */
export interface AdapterContext {
  config: Config;
  env: NodeJS.ProcessEnv;
  router: CommandRouter;
  /** For adapters that know more about people than the config (Slack user groups). */
  policy: Policy;
  /** The shared HTTP server, for webhooks; routes must be added before it listens. */
  http?: FastifyInstance;
  /** Fast-fail connection, for small records (message references, dedupe keys). */
  redis: Redis;
  audit: AuditLog;
  metrics: Metrics;
  /** Per-person limits; the command limit is applied where Slack and Telegram requests arrive. */
  limits?: RateLimits;
  redactor: Redactor;
  log: Logger;
}
