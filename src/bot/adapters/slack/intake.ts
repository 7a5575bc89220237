import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../core/logger.js';
import type { Actor, Message } from '../../../core/message.js';
import type { Arrival, Intake, IntakeHooks } from '../../intake.js';
import { requestIdentity, type SlackRecords } from './message-refs.js';
import { BUTTON_ACTION_PREFIX, escapeMrkdwn, renderBlockKit, type SlackBlock } from './render.js';
import type { SlackSender } from './sender.js';
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

export interface SlackIntakeDeps {
  intake: Intake;
  records: SlackRecords;
  sender: SlackSender;
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

interface SlackArrival extends Arrival {
  team: string | undefined;
  channel: string;
}

interface SlashArrival extends SlackArrival {
  command: CommandArgs['command'];
}

interface ClickArrival extends SlackArrival {
  body: ButtonArgs['body'];
  action: ButtonArgs['action'];
  tell: (message: Message) => Promise<void>;
}

/**
 * Slack events → the intake pipeline: slash commands and button clicks. Refuses other
 * workspaces and channels outside `chat.slack.channels`; a request runs at most once, whatever
 * Slack's retries (X-Slack-Retry-Num) or a replay do (keyed by trigger_id).
 */
export class SlackIntake {
  constructor(private readonly deps: SlackIntakeDeps) {}

  register(app: App): void {
    app.command(/^\/.+/, (args) => this.onCommand(args));
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: new RegExp(`^${BUTTON_ACTION_PREFIX}`) }, (args) =>
      this.onButton(args),
    );
  }

  private async onCommand({ command, ack }: CommandArgs): Promise<void> {
    const actor: Actor = { platform: 'slack', id: command.user_id, displayName: command.user_name || command.user_id };
    const arrival: SlashArrival = { ...this.arrival(actor, command.team_id, command.channel_id, command), command };
    const work = this.deps.intake.handle(this.slashHooks, arrival);
    const first = await Promise.race([work, new Promise<typeof LATE>((r) => setTimeout(() => r(LATE), ANSWER_DEADLINE_MS).unref())]);
    if (first !== LATE) return ack(first ? ephemeral(first) : undefined);
    await ack(ephemeral({ status: 'progress', text: 'opsbot is slow to answer right now; the answer follows here.' }));
    const late = await work.catch(
      (err: unknown): Message => (
        this.deps.log.error({ err }, 'slack command failed'),
        { status: 'failure', text: 'Something went wrong inside opsbot; the logs have the details.' }
      ),
    );
    if (late)
      await this.deps.sender
        .respondPrivately(command.response_url, late)
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'late answer not delivered'));
  }

  private async onButton({ ack, body, action }: ButtonArgs): Promise<void> {
    // Ack at once: the decision and its answer follow (the clicked message is edited, or an ephemeral explains).
    await ack();
    const actor: Actor = { platform: 'slack', id: body.user.id, displayName: body.user.username ?? body.user.name ?? body.user.id };
    const channel = body.channel?.id ?? (body.container as { channel_id?: string }).channel_id;
    if (!channel) return;
    const tell = (message: Message) =>
      this.deps.sender
        .respondPrivately(body.response_url, message, { channel, user: actor.id })
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'ephemeral answer not delivered'));
    await this.deps.intake.handle(this.clickHooks, {
      ...this.arrival(actor, body.team?.id ?? body.user.team_id, channel, body as unknown as Record<string, unknown>),
      body,
      action,
      tell,
    });
  }

  private arrival(actor: Actor, team: string | undefined, channel: string, payload: Record<string, unknown>): SlackArrival {
    return { actor, team, channel, place: `${team ?? '?'}/${channel}`, dedupeKey: `opsbot:slack:seen:${requestIdentity(payload)}` };
  }

  /** Why this request may not run here, or undefined. */
  private gate(a: SlackArrival): string | undefined {
    if (this.deps.teamId && a.team !== this.deps.teamId)
      return `This opsbot serves another Slack workspace (team ${a.team ?? 'unknown'}); nothing was run.`;
    if (this.deps.channels.length > 0 && !this.deps.channels.includes(a.channel))
      return `opsbot takes commands only in its channels (${this.deps.channels.join(', ')}); nothing was run.`;
    return undefined;
  }

  /** A slash command's answer is the private ack (undefined: a repeat, acked empty). */
  private readonly slashHooks: IntakeHooks<SlashArrival, Message | undefined> = {
    platform: 'slack',
    auditRefusals: true,
    gate: (a) => this.gate(a),
    refuse: async (_a, reason) => ({ status: 'failure', text: reason }),
    repeated: () => undefined,
    slowDown: async (_a, text) => ({ status: 'warning', text }),
    route: async (a) => {
      const text = commandText(this.deps.commands, a.command.command, a.command.text);
      if (text === undefined) {
        const known = [...this.deps.commands.keys()].join(', ');
        return {
          answer: {
            status: 'failure',
            text: `opsbot does not answer to ${a.command.command}. Its commands are ${known}; try ${UMBRELLA_COMMAND} help.`,
          },
        };
      }
      return { command: { actor: a.actor, conversation: { platform: 'slack', channel: a.channel }, text } };
    },
    ack: async (a, outcome) => {
      if (outcome.kind === 'queued') {
        // Kept so a failed delivery of the job's messages can be explained to the asker privately.
        await this.deps.records
          .putOrigin(a.channel, `job:${outcome.jobId}`, { user: a.actor.id, responseUrl: a.command.response_url })
          .catch(() => undefined);
      }
      return outcome.message;
    },
  };

  /** A click runs the button's command in the thread of the clicked message; the answer is private. */
  private readonly clickHooks: IntakeHooks<ClickArrival, void> = {
    platform: 'slack',
    auditRefusals: true,
    gate: (a) => this.gate(a),
    refuse: async (a, reason) => void (await a.tell({ status: 'failure', text: reason })),
    repeated: () => undefined,
    slowDown: async (a, text) => void (await a.tell({ status: 'warning', text })),
    route: async (a) => {
      const message = clickedMessage(a);
      return {
        command: {
          actor: a.actor,
          conversation: { platform: 'slack', channel: a.channel, thread: message?.thread_ts ?? message?.ts },
          text: a.action.value ?? '',
        },
      };
    },
    ack: async (a, outcome) => {
      const message = clickedMessage(a);
      if (outcome.kind !== 'rejected' && message?.ts && message.blocks) {
        await this.deps.sender
          .markDecided(a.channel, message.ts, message.blocks, message.text ?? '', `<@${a.actor.id}> chose *${escapeMrkdwn(a.action.text.text)}*`)
          .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'decided message not updated'));
      }
      await a.tell(outcome.message);
    },
  };
}

function clickedMessage(a: ClickArrival): { ts?: string; thread_ts?: string; text?: string; blocks?: SlackBlock[] } | undefined {
  return a.body.message as { ts?: string; thread_ts?: string; text?: string; blocks?: SlackBlock[] } | undefined;
}
