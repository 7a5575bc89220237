import { App, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import { OpsbotError } from '../../../core/errors.js';
import type { ChatLink } from '../../../core/message.js';
import type { OutboxEvent } from '../../../jobs/outbox.js';
import type { ChatAdapter } from '../chat-adapter.js';
import type { AdapterContext } from '../chat-adapter.js';
import { Intake } from '../../intake.js';
import { FastifyReceiver } from './fastify-receiver.js';
import { SlackRecords } from './message-refs.js';
import { SlackIntake } from './intake.js';
import { SlackSender } from './sender.js';
import { SlackChannelDirectory } from './channel-directory.js';
import { slashCommandTable } from './slash-commands.js';
import { SlackUserGroups } from './user-groups.js';

const DEFAULT_API_URL = 'https://slack.com/api/';
/** auth.test at start must not hold the process up for long when Slack is unreachable. */
const AUTH_TEST_TIMEOUT_MS = 5000;

interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Slack through Bolt: receives over HTTP on the shared server (`POST /slack/events`) or, with
 * SLACK_APP_TOKEN, over Socket Mode; sends through the Web API at SLACK_API_URL.
 */
export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  /** Slack allows about one message per second per channel (https://docs.slack.dev/apis/web-api/rate-limits). */
  readonly pacingMs = 1000;
  private app?: App;
  private sender?: SlackSender;
  private channels?: SlackChannelDirectory;
  private userGroups?: SlackUserGroups;
  private readonly apiUrl: string;

  constructor(
    private readonly ctx: AdapterContext,
    private readonly creds: { botToken: string; signingSecret?: string; appToken?: string },
  ) {
    const url = ctx.env.SLACK_API_URL || DEFAULT_API_URL;
    this.apiUrl = url.endsWith('/') ? url : `${url}/`;
  }

  async start(): Promise<void> {
    const { ctx, creds } = this;
    const slack = ctx.config.chat.slack;
    const receiver = this.receiver();
    const identity = await this.identity();
    // Bolt 5.1 calls auth.test before its first event unless it is given the bot's ids: we give
    // them, so no ack ever waits on Slack. Rate limits and retries are the delivery loop's job.
    this.app = new App({
      token: creds.botToken,
      botId: identity.botId,
      botUserId: identity.botUserId,
      tokenVerificationEnabled: false,
      receiver,
      logLevel: ctx.env.LOG_LEVEL === 'debug' ? LogLevel.DEBUG : LogLevel.WARN,
      clientOptions: { slackApiUrl: this.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 15_000 },
    });
    const records = new SlackRecords(ctx.redis);
    this.sender = new SlackSender({ client: this.app.client, records, log: ctx.log });
    this.channels = new SlackChannelDirectory(this.app.client);
    new SlackIntake({
      intake: new Intake({ router: ctx.router, redis: ctx.redis, audit: ctx.audit, log: ctx.log, limit: ctx.limits?.commands }),
      records,
      sender: this.sender,
      log: ctx.log,
      commands: slashCommandTable(slack?.commands ?? {}),
      channels: slack?.channels ?? [],
      teamId: slack?.teamId,
    }).register(this.app);
    this.app.error(async (err) => ctx.log.error({ err: err.message }, 'slack listener failed'));
    // Optional: Slack user groups count as opsbot groups in access rules (chat.slack.userGroups).
    const mapping = slack?.userGroups ?? {};
    if (Object.keys(mapping).length > 0) {
      this.userGroups = new SlackUserGroups({ client: this.app.client, mapping, log: ctx.log });
      await this.userGroups.start();
      const groups = this.userGroups;
      ctx.policy.addIdentitySource((subject) => (subject.startsWith('slack:') ? groups.groupsOf(subject.slice('slack:'.length)) : []));
    }
    await this.app.start();
    ctx.log.info({ mode: creds.appToken ? 'socket' : 'http', botUserId: identity.botUserId }, 'slack adapter started');
  }

  async stop(): Promise<void> {
    this.userGroups?.stop();
    await this.app?.stop();
  }

  async deliver(event: OutboxEvent): Promise<void> {
    if (!this.sender) throw new OpsbotError('E_INTERNAL', 'slack adapter not started');
    await this.sender.deliver(await this.byId(event));
  }

  async wasDelivered(event: OutboxEvent): Promise<boolean> {
    if (!this.sender) return false;
    // A name that does not resolve was never posted to.
    const resolved = await this.byId(event).catch(() => undefined);
    return resolved ? this.sender.wasPosted(resolved) : false;
  }

  /** Where the keyed message of a delivered event is: its permalink (chat.getPermalink), or in words if Slack gives none. */
  async linkTo(event: OutboxEvent): Promise<ChatLink> {
    if (!this.sender) throw new OpsbotError('E_INTERNAL', 'slack adapter not started');
    return this.sender.linkTo(await this.byId(event));
  }

  /** The event addressed to its channel's id (a `#name` from a route or an annotation is looked up). */
  private async byId(event: OutboxEvent): Promise<OutboxEvent> {
    const channel = await this.channels!.idOf(event.conversation.channel);
    return channel === event.conversation.channel ? event : { ...event, conversation: { ...event.conversation, channel } };
  }

  private receiver(): Receiver {
    const { ctx, creds } = this;
    if (creds.appToken) return new SocketModeReceiver({ appToken: creds.appToken, logLevel: LogLevel.WARN });
    if (!creds.signingSecret)
      throw new OpsbotError(
        'E_CONFIG',
        'SLACK_SIGNING_SECRET is required to receive Slack requests over HTTP (or set SLACK_APP_TOKEN for Socket Mode).',
      );
    if (!ctx.http) throw new OpsbotError('E_CONFIG', 'The Slack adapter needs the HTTP server (PORT) for POST /slack/events.');
    return new FastifyReceiver(ctx.http, { signingSecret: creds.signingSecret, log: ctx.log });
  }

  /** The bot's own ids: SLACK_BOT_USER_ID (+ SLACK_BOT_ID), else one auth.test at start. */
  private async identity(): Promise<BotIdentity> {
    const { env, log } = this.ctx;
    if (env.SLACK_BOT_USER_ID) return { botUserId: env.SLACK_BOT_USER_ID, botId: env.SLACK_BOT_ID ?? env.SLACK_BOT_USER_ID };
    let answer: { ok?: boolean; error?: string; user_id?: string; bot_id?: string };
    try {
      const res = await fetch(`${this.apiUrl}auth.test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.creds.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
        signal: AbortSignal.timeout(AUTH_TEST_TIMEOUT_MS),
      });
      answer = (await res.json()) as typeof answer;
    } catch (err) {
      // Slack unreachable at start: still serve commands (acks need no Slack); messages retry later.
      log.warn({ err: (err as Error).message, apiUrl: this.apiUrl }, 'slack auth.test failed; set SLACK_BOT_USER_ID to skip it');
      return { botId: 'unknown', botUserId: 'unknown' };
    }
    if (!answer.ok || !answer.user_id) {
      throw new OpsbotError('E_CONFIG', `Slack refused the bot token (auth.test: ${answer.error ?? 'no user_id'}): check SLACK_BOT_TOKEN.`);
    }
    return { botUserId: answer.user_id, botId: answer.bot_id ?? answer.user_id };
  }
}
