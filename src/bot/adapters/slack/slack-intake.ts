import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AuditLog } from '../../../core/audit.js';
import type { Logger } from '../../../core/logger.js';
import type { Actor, Message } from '../../../core/message.js';
import type { Command } from '../../command.js';
import type { CommandRouter } from '../../router.js';
import { BUTTON_ACTION_PREFIX, escapeMrkdwn, renderBlockKit, type SlackBlock } from '../../render/block-kit.js';
import { requestIdentity, type SlackRecords } from './message-refs.js';
import type { SlackPoster } from './slack-poster.js';
import { commandText, UMBRELLA_COMMAND } from './slash-commands.js';

/**
 * Slack allows 3 s to acknowledge a command (https://docs.slack.dev/interactivity/implementing-slash-commands).
 * The router answers at once; if Redis is slow, we ack at 2 s with "on its way" and send the
 * answer through response_url when it comes, so the user never sees a timeout.
 */
const ANSWER_DEADLINE_MS = 2000;
const LATE = Symbol('late');

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export interface IntakeDeps {
  router: CommandRouter;
  records: SlackRecords;
  poster: SlackPoster;
  audit: AuditLog;
  log: Logger;
  /** Slash command → opsbot command prefix (null: the umbrella, text as is). */
  commands: Map<string, string | null>;
  /** Allowed channel ids; empty: all. */
  channels: string[];
  teamId?: string;
}

/** The ack body of an answer only the asker sees. */
export function ephemeral(message: Message): { response_type: 'ephemeral'; text: string; blocks: SlackBlock[] } {
  const rendered = renderBlockKit(message);
  return { response_type: 'ephemeral', text: rendered.text, blocks: rendered.blocks };
}

/**
 * Slack events → `Command`s for the router: slash commands and button clicks. Refuses other
 * workspaces and channels outside `chat.slack.channels`; runs a request at most once, whatever
 * Slack's retries (X-Slack-Retry-Num) or a replay do.
 */
export class SlackIntake {
  constructor(private readonly deps: IntakeDeps) {}

  register(app: App): void {
    app.command(/^\/.+/, (args) => this.onCommand(args));
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: new RegExp(`^${BUTTON_ACTION_PREFIX}`) }, (args) => this.onButton(args));
  }

  private async onCommand({ command, ack }: CommandArgs): Promise<void> {
    const work = this.answerCommand(command);
    const first = await Promise.race([work, new Promise<typeof LATE>((r) => setTimeout(() => r(LATE), ANSWER_DEADLINE_MS).unref())]);
    if (first !== LATE) return ack(first ? ephemeral(first) : undefined);
    await ack(ephemeral({ status: 'progress', text: 'opsbot is slow to answer right now; the answer follows here.' }));
    const late = await work.catch((err: unknown): Message => (this.deps.log.error({ err }, 'slack command failed'), { status: 'failure', text: 'Something went wrong inside opsbot; the logs have the details.' }));
    if (late) await this.deps.poster.respondPrivately(command.response_url, late).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'late answer not delivered'));
  }

  /** The private answer to a slash command; undefined for a request already handled. */
  private async answerCommand(command: CommandArgs['command']): Promise<Message | undefined> {
    const actor: Actor = { platform: 'slack', id: command.user_id, displayName: command.user_name || command.user_id };
    const refusal = await this.refusal(actor, command.team_id, command.channel_id);
    if (refusal) return refusal;
    if (!(await this.firstSeen(command))) return undefined;
    const text = commandText(this.deps.commands, command.command, command.text);
    if (text === undefined) {
      const known = [...this.deps.commands.keys()].join(', ');
      return { status: 'failure', text: `opsbot does not answer to ${command.command}. Its commands are ${known}; try ${UMBRELLA_COMMAND} help.` };
    }
    const cmd: Command = { actor, conversation: { platform: 'slack', channel: command.channel_id }, text };
    const outcome = await this.deps.router.handle(cmd);
    if (outcome.kind === 'queued') {
      // Kept so a failed delivery of the job's messages can be explained to the asker privately.
      await this.deps.records.putOrigin(command.channel_id, `job:${outcome.jobId}`, { user: command.user_id, responseUrl: command.response_url }).catch(() => undefined);
    }
    return outcome.message;
  }

  private async onButton({ ack, body, action }: ButtonArgs): Promise<void> {
    // Ack at once: the decision and its answer follow (the clicked message is edited, or an ephemeral explains).
    await ack();
    const actor: Actor = { platform: 'slack', id: body.user.id, displayName: body.user.username ?? body.user.name ?? body.user.id };
    const channel = body.channel?.id ?? (body.container as { channel_id?: string }).channel_id;
    const tell = (message: Message) =>
      this.deps.poster
        .respondPrivately(body.response_url, message, channel ? { channel, user: actor.id } : undefined)
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'ephemeral answer not delivered'));
    if (!channel) return;
    const refusal = await this.refusal(actor, body.team?.id ?? body.user.team_id, channel);
    if (refusal) return void (await tell(refusal));
    if (!(await this.firstSeen(body as unknown as Record<string, unknown>))) return;
    const message = body.message as { ts?: string; thread_ts?: string; text?: string; blocks?: SlackBlock[] } | undefined;
    const outcome = await this.deps.router.handle({ actor, conversation: { platform: 'slack', channel, thread: message?.thread_ts ?? message?.ts }, text: action.value ?? '' });
    if (outcome.kind !== 'rejected' && message?.ts && message.blocks) {
      await this.deps.poster
        .markDecided(channel, message.ts, message.blocks, message.text ?? '', `<@${actor.id}> chose *${escapeMrkdwn(action.text.text)}*`)
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'decided message not updated'));
    }
    await tell(outcome.message);
  }

  /** Why this request may not run here, or undefined. Refusals are audited. */
  private async refusal(actor: Actor, team: string | undefined, channel: string): Promise<Message | undefined> {
    let reason: string | undefined;
    if (this.deps.teamId && team !== this.deps.teamId) reason = `This opsbot serves another Slack workspace (team ${team ?? 'unknown'}); nothing was run.`;
    else if (this.deps.channels.length > 0 && !this.deps.channels.includes(channel)) {
      reason = `opsbot takes commands only in its channels (${this.deps.channels.join(', ')}); nothing was run.`;
    }
    if (!reason) return undefined;
    await this.deps.audit
      .append({ actor: `slack:${actor.id}`, platform: 'slack', action: 'slack.request', target: `${team ?? '?'}/${channel}`, result: 'denied', detail: reason })
      .catch(() => undefined);
    return { status: 'failure', text: reason };
  }

  /** Redis unreachable: let the request through; the router answers that the queue is unavailable. */
  private async firstSeen(body: Record<string, unknown>): Promise<boolean> {
    return this.deps.records.firstSeen(requestIdentity(body)).catch(() => true);
  }
}
