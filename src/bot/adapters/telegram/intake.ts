import type { Telegram } from 'telegraf';
import type { Logger } from '../../../core/logger.js';
import type { Actor, ConversationRef, Message } from '../../../core/message.js';
import type { Arrival, Intake, IntakeHooks, Routed } from '../../intake.js';
import { CONFIRM_TTL_MS, keyboardOf, tappedButton, type CallbackData, type InlineKeyboard } from './callback-data.js';
import type { ChatGate } from './chat-gate.js';
import type { TelegramSender } from './sender.js';
import { formatThread, readUpdate, type TgCallbackQuery, type TgPlace, type TgUpdate } from './update-reader.js';

/** Telegram: answerCallbackQuery text is "0-200 characters". */
const ALERT_MAX = 200;
const NO_LONGER_VALID = 'This button is no longer valid: it was already used, or it is not one opsbot offered.';

export interface TelegramIntakeDeps {
  intake: Intake;
  gate: ChatGate;
  sender: TelegramSender;
  callbacks: CallbackData;
  telegram: Telegram;
  log: Logger;
  botUsername: () => string | undefined;
}

interface CommandArrival extends Arrival {
  where: TgPlace & { replyTo?: number };
  text: string;
}

interface TapArrival extends Arrival {
  where: TgPlace & { replyTo: number };
  query: TgCallbackQuery;
  data: string;
  /** Answers the callback query (the client spins until it is answered). */
  answer: (text: string, alert: boolean) => Promise<void>;
  answered: boolean;
  /** Set by route when a command runs: the button's label, how it was chosen, the keyboard a confirm step replaced. */
  run?: { label: string; verb: string; restore?: InlineKeyboard };
}

/**
 * Telegram updates → the intake pipeline. Commands are answered by a reply to the command
 * message (the ack of a queued job is the job's message, edited as it progresses); button taps
 * run the button's command as the person who tapped, in that chat. An update Telegram delivers
 * twice (a webhook retry, a second replica) runs once (keyed by update_id).
 */
export class TelegramIntake {
  constructor(private readonly deps: TelegramIntakeDeps) {}

  async handle(update: TgUpdate): Promise<void> {
    const read = readUpdate(update, this.deps.botUsername());
    const dedupeKey = `opsbot:telegram:update:${update.update_id}`;
    if (read.kind === 'command') {
      await this.deps.intake.handle(this.commandHooks, {
        actor: read.actor,
        place: read.place.chatId,
        where: read.place,
        text: read.text,
        dedupeKey,
      });
    } else if (read.kind === 'tap') {
      const { query } = read;
      const tap: TapArrival = {
        actor: read.actor,
        place: read.place.chatId,
        where: read.place,
        query,
        data: read.data,
        dedupeKey,
        answered: false,
        answer: async (text, alert) => {
          tap.answered = true;
          await this.deps.telegram.answerCbQuery(query.id, clip(text), { show_alert: alert });
        },
      };
      try {
        await this.deps.intake.handle(this.tapHooks, tap);
      } finally {
        // The client spins until the query is answered, whatever went wrong.
        if (!tap.answered)
          await this.deps.telegram
            .answerCbQuery(query.id, 'Something went wrong inside opsbot; the logs have the details.', { show_alert: true })
            .catch(() => undefined);
      }
    } else {
      this.deps.log.debug({ update: update.update_id, chat: read.chatId, reason: read.reason }, 'telegram update ignored');
    }
  }

  private gate(chatId: string): string | undefined {
    return this.deps.gate.allows(chatId) ? undefined : `chat ${chatId} is not in chat.telegram.chats`;
  }

  private readonly commandHooks: IntakeHooks<CommandArrival, void> = {
    platform: 'telegram',
    auditRefusals: false,
    gate: (a) => this.gate(a.where.chatId),
    refuse: async (a) => {
      const chatId = a.where.chatId;
      // Said once per chat (remembered in Redis); otherwise silent.
      if (!(await this.deps.gate.firstRefusal(chatId))) return;
      await this.deps.sender.reply(a.where, {
        status: 'warning',
        text: `opsbot is not enabled in this chat (chat id ${chatId}). An opsbot admin can add it to chat.telegram.chats.`,
      });
    },
    repeated: () => undefined,
    slowDown: async (a, text) => void (await this.deps.sender.reply(a.where, { status: 'warning', text })),
    route: async (a) => ({ command: { actor: a.actor, conversation: conversationOf(a.where), text: a.text } }),
    ack: async (a, outcome) => {
      // A queued job's ack is the job's own message: the worker's progress edits it.
      const key = outcome.kind === 'queued' ? `job:${outcome.jobId}` : `reply:${a.where.replyTo}`;
      await this.deps.sender.upsert(a.where, key, outcome.message, { ackOnly: true, final: outcome.kind !== 'queued' });
    },
  };

  private readonly tapHooks: IntakeHooks<TapArrival, void> = {
    platform: 'telegram',
    auditRefusals: false,
    gate: (a) => this.gate(a.where.chatId),
    refuse: async (a) => a.answer('opsbot is not enabled in this chat.', true),
    // Answered when it was first handled: nothing more to say.
    repeated: (a) => void (a.answered = true),
    slowDown: async (a, text) => a.answer(text, true),
    route: (a) => this.routeTap(a),
    ack: async (a, outcome) => {
      const { where, actor } = a;
      const { label, verb, restore } = a.run!;
      if (outcome.kind === 'rejected') {
        if (restore) await this.deps.sender.setKeyboard(where.chatId, where.replyTo, restore);
        return a.answer(plainText(outcome.message), true);
      }
      await a.answer(`${label}: done`, false);
      // An informational reply ("approval 1 of 2 recorded") leaves the choice open for others.
      const open = outcome.kind === 'reply' && outcome.message.status === 'info';
      if (!open) await this.deps.sender.removeKeyboard(where.chatId, where.replyTo);
      else if (restore) await this.deps.sender.setKeyboard(where.chatId, where.replyTo, restore);
      const message: Message = {
        ...outcome.message,
        context: [`${label} ${verb} by ${describe(actor)}`, outcome.message.context].filter(Boolean).join(' · '),
      };
      const key = outcome.kind === 'queued' ? `job:${outcome.jobId}` : `tap:${a.query.id}`;
      await this.deps.sender.upsert(where, key, message, { ackOnly: true, final: outcome.kind !== 'queued' });
    },
  };

  /**
   * What a tap comes to: the button's command, or — Telegram has no confirm dialog — a step of
   * the confirm exchange (Confirm / Cancel), answered here. Data not on the message's current
   * keyboard is forged, or from a keyboard a decision removed.
   */
  private async routeTap(a: TapArrival): Promise<Routed<void>> {
    const { where, actor, query } = a;
    const { callbacks, sender } = this.deps;
    const answered = async (text: string, alert: boolean): Promise<Routed<void>> => ({ answer: await a.answer(text, alert) });
    const button = tappedButton(query.message, a.data);
    if (!button) return answered(NO_LONGER_VALID, true);
    const callback = await callbacks.decode(a.data);
    if (!callback) return answered('This button has expired. Ask again with the command.', true);
    const run = (text: string, label: string, verb: string, restore?: InlineKeyboard): Routed<void> => {
      a.run = { label, verb, restore };
      return { command: { actor, conversation: conversationOf(where), text } };
    };
    if (callback.kind === 'command') {
      if (callback.confirm === undefined) return run(callback.text, button.text, 'tapped');
      // The first tap only swaps the keyboard for Confirm / Cancel.
      const { keyboard } = await callbacks.startConfirm({
        command: callback.text,
        label: button.text,
        user: actor.id,
        userName: describe(actor),
        keyboard: keyboardOf(query.message),
      });
      await sender.setKeyboard(where.chatId, where.replyTo, keyboard);
      const then = `\n\nTap "✅ Confirm: ${button.text}" within ${CONFIRM_TTL_MS / 60_000} minutes to go ahead, or "✖ Cancel".`;
      return answered(`${clip(callback.confirm, Math.max(40, ALERT_MAX - then.length))}${then}`, true);
    }
    const { step, token } = callback;
    if (callback.kind === 'cancel') {
      // Anyone may cancel: it runs nothing, and gives everyone the original buttons back.
      await sender.setKeyboard(where.chatId, where.replyTo, step.keyboard);
      await callbacks.endConfirm(token);
      return answered(`Cancelled: ${step.label} was not run.`, false);
    }
    if (step.user !== actor.id)
      return answered(`Only ${step.userName}, who tapped ${step.label}, can confirm it. "✖ Cancel" brings the buttons back.`, true);
    if (callback.expired) {
      await sender.setKeyboard(where.chatId, where.replyTo, step.keyboard);
      await callbacks.endConfirm(token);
      return answered(`This confirmation expired. Tap ${step.label} again if you still want it.`, true);
    }
    // A double tap: only the tap that ends the step runs the command.
    if (!(await callbacks.endConfirm(token))) return answered(NO_LONGER_VALID, true);
    return run(step.command, step.label, 'confirmed', step.keyboard);
  }
}

function conversationOf(place: TgPlace): ConversationRef {
  return { platform: 'telegram', channel: place.chatId, thread: formatThread(place) };
}

function describe(actor: Actor): string {
  return `${actor.displayName} (telegram:${actor.id})`;
}

function plainText(message: Message): string {
  return [message.title, message.text].filter(Boolean).join(': ') || 'Refused.';
}

function clip(text: string, max = ALERT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
