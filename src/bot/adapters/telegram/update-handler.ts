import type { Redis } from 'ioredis';
import type { Telegram } from 'telegraf';
import type { Logger } from '../../../core/logger.js';
import type { Actor, ConversationRef, Message } from '../../../core/message.js';
import type { CommandRouter } from '../../router.js';
import { CONFIRM_TTL_MS, keyboardOf, tappedButton, type CallbackData, type InlineKeyboard } from './callback-data.js';
import type { ChatGate } from './chat-gate.js';
import type { MessageSender } from './message-sender.js';
import { formatThread, readUpdate, type Intake, type TgCallbackQuery, type TgPlace, type TgUpdate } from './update-reader.js';

/** Telegram: answerCallbackQuery text is "0-200 characters". */
const ALERT_MAX = 200;
const NO_LONGER_VALID = 'This button is no longer valid: it was already used, or it is not one opsbot offered.';
/** Telegram redelivers a webhook update it thinks failed; one day covers its retries. */
const SEEN_TTL_S = 24 * 3600;

interface TapContext {
  place: TgPlace & { replyTo: number };
  actor: Actor;
  query: TgCallbackQuery;
  answer: (text: string, alert: boolean) => Promise<void>;
}

export interface UpdateHandlerDeps {
  router: CommandRouter;
  gate: ChatGate;
  sender: MessageSender;
  callbacks: CallbackData;
  telegram: Telegram;
  redis: Redis;
  log: Logger;
  botUsername: () => string | undefined;
}

/**
 * One update in, at most one command through the router. Commands are answered by a reply to
 * the command message (the ack of a queued job is the job's message, edited as it progresses);
 * button taps run the button's command as the person who tapped, in that chat.
 */
export class UpdateHandler {
  constructor(private readonly deps: UpdateHandlerDeps) {}

  async handle(update: TgUpdate): Promise<void> {
    // An update seen before (a webhook retry, a second replica) must not run its command twice.
    const first = await this.deps.redis.set(`opsbot:telegram:update:${update.update_id}`, '1', 'EX', SEEN_TTL_S, 'NX');
    if (first !== 'OK') return;
    const intake = readUpdate(update, this.deps.botUsername());
    if (intake.kind === 'command') await this.command(intake);
    else if (intake.kind === 'tap') await this.tap(intake);
    else this.deps.log.debug({ update: update.update_id, chat: intake.chatId, reason: intake.reason }, 'telegram update ignored');
  }

  private async command({ place, actor, text }: Extract<Intake, { kind: 'command' }>): Promise<void> {
    if (!this.deps.gate.allows(place.chatId)) return this.refuse(place);
    const outcome = await this.deps.router.handle({ actor, conversation: conversationOf(place), text });
    // A queued job's ack is the job's own message: the worker's progress edits it.
    const key = outcome.kind === 'queued' ? `job:${outcome.jobId}` : `reply:${place.replyTo}`;
    await this.deps.sender.upsert(place, key, outcome.message, { ackOnly: true, final: outcome.kind !== 'queued' });
  }

  private async tap({ place, actor, query, data }: Extract<Intake, { kind: 'tap' }>): Promise<void> {
    let answered = false;
    const answer = async (text: string, alert: boolean) => {
      answered = true;
      await this.deps.telegram.answerCbQuery(query.id, clip(text), { show_alert: alert });
    };
    try {
      if (!this.deps.gate.allows(place.chatId)) return await answer('opsbot is not enabled in this chat.', true);
      // Data not on the message's current keyboard is forged, or from a keyboard a decision removed.
      const button = tappedButton(query.message, data);
      if (!button) return await answer(NO_LONGER_VALID, true);
      const callback = await this.deps.callbacks.decode(data);
      if (!callback) return await answer('This button has expired. Ask again with the command.', true);
      const { callbacks, sender } = this.deps;
      if (callback.kind === 'command') {
        if (callback.confirm === undefined) return await this.run({ place, actor, query, answer }, callback.text, button.text, 'tapped');
        // Telegram has no confirm dialog: the first tap only swaps the keyboard for Confirm / Cancel.
        const { keyboard } = await callbacks.startConfirm({ command: callback.text, label: button.text, user: actor.id, userName: describe(actor), keyboard: keyboardOf(query.message) });
        await sender.setKeyboard(place.chatId, place.replyTo, keyboard);
        const then = `\n\nTap "✅ Confirm: ${button.text}" within ${CONFIRM_TTL_MS / 60_000} minutes to go ahead, or "✖ Cancel".`;
        return await answer(`${clip(callback.confirm, Math.max(40, ALERT_MAX - then.length))}${then}`, true);
      }
      const { step, token } = callback;
      if (callback.kind === 'cancel') {
        // Anyone may cancel: it runs nothing, and gives everyone the original buttons back.
        await sender.setKeyboard(place.chatId, place.replyTo, step.keyboard);
        await callbacks.endConfirm(token);
        return await answer(`Cancelled: ${step.label} was not run.`, false);
      }
      if (step.user !== actor.id) return await answer(`Only ${step.userName}, who tapped ${step.label}, can confirm it. "✖ Cancel" brings the buttons back.`, true);
      if (callback.expired) {
        await sender.setKeyboard(place.chatId, place.replyTo, step.keyboard);
        await callbacks.endConfirm(token);
        return await answer(`This confirmation expired. Tap ${step.label} again if you still want it.`, true);
      }
      // A double tap: only the tap that ends the step runs the command.
      if (!(await callbacks.endConfirm(token))) return await answer(NO_LONGER_VALID, true);
      await this.run({ place, actor, query, answer }, step.command, step.label, 'confirmed', step.keyboard);
    } finally {
      // The client spins until the query is answered, whatever went wrong.
      if (!answered) await this.deps.telegram.answerCbQuery(query.id, 'Something went wrong inside opsbot; the logs have the details.', { show_alert: true }).catch(() => undefined);
    }
  }

  /**
   * Run a button's command as the person who tapped. `restore` is the keyboard a confirm step
   * replaced: put back when the command is refused or leaves the choice open.
   */
  private async run(tap: TapContext, text: string, label: string, verb: string, restore?: InlineKeyboard): Promise<void> {
    const { place, actor, query, answer } = tap;
    const outcome = await this.deps.router.handle({ actor, conversation: conversationOf(place), text });
    if (outcome.kind === 'rejected') {
      if (restore) await this.deps.sender.setKeyboard(place.chatId, place.replyTo, restore);
      return await answer(plainText(outcome.message), true);
    }
    await answer(`${label}: done`, false);
    // An informational reply ("approval 1 of 2 recorded") leaves the choice open for others.
    const open = outcome.kind === 'reply' && outcome.message.status === 'info';
    if (!open) await this.deps.sender.removeKeyboard(place.chatId, place.replyTo);
    else if (restore) await this.deps.sender.setKeyboard(place.chatId, place.replyTo, restore);
    const message: Message = { ...outcome.message, context: [`${label} ${verb} by ${describe(actor)}`, outcome.message.context].filter(Boolean).join(' · ') };
    const key = outcome.kind === 'queued' ? `job:${outcome.jobId}` : `tap:${query.id}`;
    await this.deps.sender.upsert(place, key, message, { ackOnly: true, final: outcome.kind !== 'queued' });
  }

  private async refuse(place: TgPlace): Promise<void> {
    this.deps.log.info({ chat: place.chatId }, 'telegram command from a chat not in chat.telegram.chats');
    if (!(await this.deps.gate.firstRefusal(place.chatId))) return;
    await this.deps.sender.reply(place, {
      status: 'warning',
      text: `opsbot is not enabled in this chat (chat id ${place.chatId}). An opsbot admin can add it to chat.telegram.chats.`,
    });
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
