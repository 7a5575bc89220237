import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../../core/audit.js';
import type { Config } from '../../core/config/schema.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { Policy } from '../../core/policy.js';
import type { Redactor } from '../../core/redact.js';
import type { CommandRouter } from '../router.js';
import type { ChatAdapter } from './chat-adapter.js';

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
  redactor: Redactor;
  log: Logger;
}

/**
 * The chat platforms this process serves, chosen by which credentials are in the environment.
 * A new platform is one folder under adapters/ and one line here.
 */
export async function createChatAdapters(ctx: AdapterContext): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  // Each platform SDK is tens of MB resident once loaded (Bolt ~33 MB): load only those in use.
  if (ctx.env.SLACK_BOT_TOKEN) {
    const { SlackAdapter } = await import('./slack/slack-adapter.js');
    adapters.push(new SlackAdapter(ctx, { botToken: ctx.env.SLACK_BOT_TOKEN, signingSecret: ctx.env.SLACK_SIGNING_SECRET, appToken: ctx.env.SLACK_APP_TOKEN }));
  }
  if (ctx.env.TELEGRAM_BOT_TOKEN) {
    const { TelegramAdapter } = await import('./telegram/telegram-adapter.js');
    adapters.push(new TelegramAdapter(ctx));
  }
  return adapters;
}
