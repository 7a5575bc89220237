import { Telegraf } from 'telegraf';
import { Backoff, sleep } from '../../../core/backoff.js';
import { OpsbotError } from '../../../core/errors.js';
import type { OutboxEvent } from '../../../jobs/outbox.js';
import type { ChatLink, ConversationRef } from '../../../core/message.js';
import type { RateLimit } from '../../../jobs/rate-windows.js';
import { ALL_COMMANDS } from '../../commands/index.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { AdapterContext } from '../chat-adapter.js';
import { botCommands } from './bot-commands.js';
import { CallbackData } from './callback-data.js';
import { ChatGate } from './chat-gate.js';
import { MessageRefs } from './message-refs.js';
import { telegramMessageLink } from './message-link.js';
import { TelegramSender } from './sender.js';
import { TelegramIntake } from './intake.js';
import { Intake } from '../../intake.js';
import { parseThread, type TgUpdate } from './update-reader.js';
import { SECRET_HEADER, WEBHOOK_SECRET_PATTERN, webhookSecretMatches } from './webhook-secret.js';

/**
 * Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * "avoid sending more than one message per second" in a chat, "not able to send more than 20
 * messages per minute to the same group", and "not more than about 30 messages per second" in all.
 */
const CHAT_PACING_MS = 1000;
const GROUP_PER_MINUTE = 20;
const BOT_PER_SECOND = 30;
/** Only what opsbot acts on; edits and channel posts are not even asked for. */
const ALLOWED_UPDATES: ('message' | 'callback_query')[] = ['message', 'callback_query'];

/**
 * Telegram through Telegraf: updates by webhook (`POST /telegram/webhook` on the shared HTTP
 * server, secret-token-checked) when TELEGRAM_WEBHOOK_SECRET is set, else by long polling;
 * outbox events become replies and edits. TELEGRAM_API_ROOT points at a self-hosted Bot API
 * server (or a test stand-in).
 */
export class TelegramAdapter implements ChatAdapter {
  readonly platform = 'telegram' as const;
  readonly pacingMs = CHAT_PACING_MS;
  private readonly bot: Telegraf;
  private readonly sender: TelegramSender;
  private readonly refs: MessageRefs;
  private readonly intake: TelegramIntake;
  private readonly secret?: string;
  private readonly abort = new AbortController();
  private polling?: Promise<void>;
  private introducing?: Promise<void>;

  constructor(private readonly ctx: AdapterContext) {
    const { env, redis, config } = ctx;
    const token = env.TELEGRAM_BOT_TOKEN ?? '';
    this.secret = env.TELEGRAM_WEBHOOK_SECRET || undefined;
    if (this.secret !== undefined && !WEBHOOK_SECRET_PATTERN.test(this.secret)) {
      throw new OpsbotError(
        'E_CONFIG',
        'TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram setWebhook secret_token).',
      );
    }
    // webhookReply off: every call is a real request whose result and errors we see.
    this.bot = new Telegraf(token, { telegram: { apiRoot: env.TELEGRAM_API_ROOT || 'https://api.telegram.org', webhookReply: false } });
    const telegram = this.bot.telegram;
    const callbacks = new CallbackData(redis);
    this.refs = new MessageRefs(redis);
    this.sender = new TelegramSender({ telegram, refs: this.refs, callbacks });
    const settings = config.chat.telegram;
    this.intake = new TelegramIntake({
      intake: new Intake({ router: ctx.router, redis, audit: ctx.audit, log: ctx.log, limit: ctx.limits?.commands }),
      gate: new ChatGate(settings?.chats ?? [], redis),
      sender: this.sender,
      callbacks,
      telegram,
      log: ctx.log,
      botUsername: () => settings?.botUsername ?? this.bot.botInfo?.username,
    });
    this.bot.use((tgCtx) => this.intake.handle(tgCtx.update as TgUpdate));
    this.bot.catch((err) => ctx.log.error({ err: (err as Error).message }, 'telegram update failed'));
    if (!settings?.chats.length) ctx.log.warn('Telegram: chat.telegram.chats is empty, so no chat is served');
  }

  async start(): Promise<void> {
    if (this.secret !== undefined) this.registerWebhook(this.secret);
    this.introducing = this.introduce();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    try {
      if (this.polling) this.bot.stop('opsbot stopping');
    } catch {
      // not running
    }
    await this.introducing;
    await this.polling;
  }

  async deliver(event: OutboxEvent): Promise<void> {
    const chatId = event.conversation.channel;
    const place = { chatId, ...parseThread(event.conversation.thread) };
    if (event.notice) await this.sender.notice(place, event.key, event.message, event.notice);
    else if (event.threaded) await this.sender.threaded(place, event.key, event.message);
    else await this.sender.upsert(place, event.key, event.message, { final: event.final !== undefined });
  }

  /** Where the keyed message of a delivered event is: a t.me link in supergroups and channels, words elsewhere. */
  async linkTo(event: OutboxEvent): Promise<ChatLink> {
    const chatId = event.conversation.channel;
    const ref = await this.refs.get(chatId, event.key);
    return telegramMessageLink(chatId, ref.state === 'posted' ? ref.messageId : undefined);
  }

  /** The delivery loop's windows: the chat, the group (negative ids), the whole bot. */
  rateLimits(c: ConversationRef): RateLimit[] {
    const limits: RateLimit[] = [{ key: `telegram:${c.channel}`, max: 1, windowMs: CHAT_PACING_MS }];
    if (c.channel.startsWith('-')) limits.push({ key: `telegram-group:${c.channel}`, max: GROUP_PER_MINUTE, windowMs: 60_000 });
    limits.push({ key: 'telegram-bot', max: BOT_PER_SECOND, windowMs: 1000 });
    return limits;
  }

  private registerWebhook(secret: string): void {
    const http = this.ctx.http;
    if (!http)
      throw new OpsbotError('E_CONFIG', 'TELEGRAM_WEBHOOK_SECRET is set but this process serves no HTTP: run `opsbot start` or `opsbot bot`.');
    http.post(
      '/telegram/webhook',
      {
        // Checked before the body is even parsed: a caller without the secret gets nothing processed.
        onRequest: async (req, reply) => {
          if (!webhookSecretMatches(secret, req.headers[SECRET_HEADER])) await reply.code(401).send({ ok: false, description: 'Unauthorized' });
        },
      },
      async (req, reply) => {
        const update = req.body as TgUpdate | undefined;
        if (!update || typeof update !== 'object' || typeof update.update_id !== 'number')
          return reply.code(400).send({ ok: false, description: 'not a Telegram Update' });
        // Processed before answering: a 2xx tells Telegram the update is done (failures are logged,
        // not retried by Telegram, so a half-handled command never runs twice).
        await this.bot.handleUpdate(update as Parameters<Telegraf['handleUpdate']>[0]);
        return reply.send({ ok: true });
      },
    );
  }

  /** getMe (our @name, for `/deploy@name`), the command menu, then the webhook or polling; retried until it works. */
  private async introduce(): Promise<void> {
    const { env, log } = this.ctx;
    const retry = new Backoff({ baseMs: 1000, maxMs: 30_000 });
    while (!this.abort.signal.aborted) {
      try {
        this.bot.botInfo ??= await this.bot.telegram.getMe();
        // The menu is a convenience: a refusal (a bad description) must not keep the bot deaf.
        await this.bot.telegram
          .setMyCommands(botCommands(ALL_COMMANDS))
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'telegram setMyCommands failed'));
        if (this.secret !== undefined) {
          if (env.TELEGRAM_WEBHOOK_URL)
            await this.bot.telegram.setWebhook(env.TELEGRAM_WEBHOOK_URL, { secret_token: this.secret, allowed_updates: ALLOWED_UPDATES });
        } else {
          this.polling = this.bot
            .launch({ allowedUpdates: ALLOWED_UPDATES })
            .catch((err: unknown) => log.error({ err: (err as Error).message }, 'telegram long polling stopped'));
        }
        log.info({ bot: this.bot.botInfo.username, mode: this.secret !== undefined ? 'webhook' : 'long polling' }, 'telegram connected');
        return;
      } catch (err) {
        const delay = retry.next();
        log.warn({ err: (err as Error).message, retryInMs: delay }, 'telegram not reachable yet');
        await sleep(delay, this.abort.signal);
      }
    }
  }
}
