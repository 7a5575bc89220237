import type { Redis } from 'ioredis';
import type { Telegram } from 'telegraf';
import type { Logger } from '../../../core/logger.js';
import type { Actor, ConversationRef, Message } from '../../../core/message.js';
import type { CommandRouter } from '../../router.js';
import { tappedButton, type CallbackData } from './callback-data.js';
import type { ChatGate } from './chat-gate.js';
import type { MessageSender } from './message-sender.js';
import { formatThread, readUpdate, type Intake, type TgPlace, type TgUpdate } from './update-reader.js';

/** Telegram: answerCallbackQuery text is "0-200 characters". */
const ALERT_MAX = 200;
/** Telegram redelivers a webhook update it thinks failed; one day covers its retries. */
const SEEN_TTL_S = 24 * 3600;

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
      if (!button) return await answer('This button is no longer valid: it was already used, or it is not one opsbot offered.', true);
      const text = await this.deps.callbacks.decode(data);
      if (!text) return await answer('This button has expired. Ask again with the command.', true);
      const outcome = await this.deps.router.handle({ actor, conversation: conversationOf(place), text });
      if (outcome.kind === 'rejected') return await answer(plainText(outcome.message), true);
      await answer(`${button.text}: done`, false);
      // An informational reply ("approval 1 of 2 recorded") leaves the choice open for others.
      if (!(outcome.kind === 'reply' && outcome.message.status === 'info')) await this.deps.sender.removeKeyboard(place.chatId, place.replyTo);
      const message: Message = { ...outcome.message, context: [`${button.text} tapped by ${describe(actor)}`, outcome.message.context].filter(Boolean).join(' · ') };
      const key = outcome.kind === 'queued' ? `job:${outcome.jobId}` : `tap:${query.id}`;
      await this.deps.sender.upsert(place, key, message, { ackOnly: true, final: outcome.kind !== 'queued' });
    } finally {
      // The client spins until the query is answered, whatever went wrong.
      if (!answered) await this.deps.telegram.answerCbQuery(query.id, 'Something went wrong inside opsbot; the logs have the details.', { show_alert: true }).catch(() => undefined);
    }
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

function clip(text: string): string {
  return text.length <= ALERT_MAX ? text : `${text.slice(0, ALERT_MAX - 1)}…`;
}
