import type { Telegram } from 'telegraf';
import type { Message } from '../../../core/message.js';
import { renderPlain } from '../../render/plain.js';
import { renderTelegramHtml } from './render.js';
import { DeliveryError } from '../../../jobs/outbox.js';
import { isNotModified, isUneditable, toDeliveryError } from './api-errors.js';
import type { CallbackData, InlineKeyboard } from './callback-data.js';
import type { MessageRefs } from './message-refs.js';
import type { TgPlace } from './update-reader.js';

/** The keyed message is being posted by someone else (ack vs first progress): come back shortly. */
const CREATING_RETRY_MS = 250;

export interface PostOptions {
  /** The command's ack: post only if nothing stands for the key yet (the job may already have spoken). */
  ackOnly?: boolean;
  /** The job's last word: a message cut to fit also gets its full text as a document. */
  final?: boolean;
}

/**
 * Neutral messages → Bot API calls, for one chat place: the first message of a key is a reply
 * (in the same forum topic), later ones edit it; `threaded` ones reply under it; attachments
 * and over-long texts go out as documents. Errors come out as `DeliveryError`s.
 */
export class TelegramSender {
  constructor(private readonly deps: { telegram: Telegram; refs: MessageRefs; callbacks: CallbackData }) {}

  /** Post or edit the message standing for `key`; its message id (undefined when an ack was not needed). */
  async upsert(place: TgPlace, key: string, message: Message, opts: PostOptions = {}): Promise<number | undefined> {
    const { refs } = this.deps;
    const ref = await refs.get(place.chatId, key);
    let messageId: number | undefined;
    if (ref.state === 'posted') {
      if (opts.ackOnly) return undefined;
      messageId = (await this.edit(place.chatId, ref.messageId, message)) ? ref.messageId : await this.postKeyed(place, key, message);
    } else {
      const claim = ref.state === 'none' ? await refs.claim(place.chatId, key) : undefined;
      if (!claim) {
        if (opts.ackOnly) return undefined;
        throw new DeliveryError(`message ${key} is being posted`, { retryAfterMs: CREATING_RETRY_MS });
      }
      try {
        messageId = await this.post(place, message);
      } catch (err) {
        await refs.abandon(place.chatId, key, claim);
        throw err;
      }
      await refs.posted(place.chatId, key, messageId);
    }
    await this.documents(place, key, messageId, message, opts.final === true);
    return messageId;
  }

  /** A separate message under the keyed one (or under the place's message when there is none yet). */
  async threaded(place: TgPlace, key: string, message: Message): Promise<void> {
    const ref = await this.deps.refs.get(place.chatId, key);
    if (ref.state === 'creating') throw new DeliveryError(`message ${key} is being posted`, { retryAfterMs: CREATING_RETRY_MS });
    const under = { ...place, replyTo: ref.state === 'posted' ? ref.messageId : place.replyTo };
    const messageId = await this.post(under, message);
    await this.documents(under, `${key}:${messageId}`, messageId, message, true);
  }

  /**
   * One message per operation (a notification of rank `rank`): the first posts it; a later one
   * edits it to the latest state (never back to an earlier one) and is also sent as a reply to it
   * with the details — a reply shows in the chat, so a failure is seen there, not only in the edit.
   */
  async notice(place: TgPlace, key: string, message: Message, { rank, headOnly }: { rank: number; headOnly?: boolean }): Promise<void> {
    const { refs } = this.deps;
    const ref = await refs.get(place.chatId, key);
    if (headOnly) {
      // After a digest: only an existing message of the operation is brought to this state.
      if (ref.state === 'posted' && rank > (await refs.rank(place.chatId, key)) && (await this.edit(place.chatId, ref.messageId, message)))
        await refs.setRank(place.chatId, key, rank);
      return;
    }
    if (ref.state !== 'posted') {
      await this.upsert(place, key, message);
      await refs.setRank(place.chatId, key, rank);
      return;
    }
    if (rank >= (await refs.rank(place.chatId, key))) {
      if (!(await this.edit(place.chatId, ref.messageId, message))) {
        await this.postKeyed(place, key, message);
        await refs.setRank(place.chatId, key, rank);
        return;
      }
      await refs.setRank(place.chatId, key, rank);
    }
    await this.threaded(place, key, message);
  }

  /** A one-off reply, not keyed (the "not enabled here" notice). */
  async reply(place: TgPlace, message: Message): Promise<number> {
    return this.post(place, message);
  }

  /** Take the inline keyboard off a message (after a decision); an already bare message is fine. */
  async removeKeyboard(chatId: string, messageId: number): Promise<void> {
    await this.setKeyboard(chatId, messageId, undefined);
  }

  /** Show `keyboard` on a message (a confirm step, or the keyboard it replaced); undefined removes it. */
  async setKeyboard(chatId: string, messageId: number, keyboard: InlineKeyboard | undefined): Promise<void> {
    try {
      await this.deps.telegram.editMessageReplyMarkup(chatId, messageId, undefined, keyboard);
    } catch (err) {
      if (!isNotModified(err)) throw toDeliveryError(err);
    }
  }

  private async postKeyed(place: TgPlace, key: string, message: Message): Promise<number> {
    const messageId = await this.post(place, message);
    await this.deps.refs.posted(place.chatId, key, messageId);
    return messageId;
  }

  private async post(place: TgPlace, message: Message): Promise<number> {
    const { html } = renderTelegramHtml(message);
    try {
      const sent = await this.deps.telegram.sendMessage(place.chatId, html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(place.topic !== undefined ? { message_thread_id: place.topic } : {}),
        // The command may have been deleted meanwhile: answer anyway.
        ...(place.replyTo !== undefined ? { reply_parameters: { message_id: place.replyTo, allow_sending_without_reply: true } } : {}),
        reply_markup: await this.deps.callbacks.keyboard(message.buttons),
      });
      return sent.message_id;
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /** True when the message now shows `message` (edited, or already identical); false when it cannot be edited any more. */
  private async edit(chatId: string, messageId: number, message: Message): Promise<boolean> {
    const { html } = renderTelegramHtml(message);
    try {
      // Without reply_markup an edit removes the keyboard: a later message without buttons ends the choice.
      await this.deps.telegram.editMessageText(chatId, messageId, undefined, html, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: await this.deps.callbacks.keyboard(message.buttons),
      });
      return true;
    } catch (err) {
      if (isNotModified(err)) return true;
      if (isUneditable(err)) return false;
      throw toDeliveryError(err);
    }
  }

  /**
   * Files under the keyed message, each once: the message's attachment (a full plan), and — on
   * the last word — the full text of a message that had to be cut to Telegram's 4,096 characters.
   */
  private async documents(place: TgPlace, key: string, messageId: number, message: Message, final: boolean): Promise<void> {
    const files: { name: string; content: string }[] = [];
    if (message.attachment) files.push(message.attachment);
    if (final && renderTelegramHtml(message).truncated)
      files.push({ name: `${key.replace(/[^A-Za-z0-9_-]+/g, '-')}.txt`, content: renderPlain(message) });
    for (const file of files) {
      if (await this.deps.refs.documentSent(place.chatId, key, file.name)) continue;
      try {
        await this.deps.telegram.sendDocument(
          place.chatId,
          { source: Buffer.from(file.content, 'utf8'), filename: file.name },
          {
            ...(place.topic !== undefined ? { message_thread_id: place.topic } : {}),
            // Telegraf 4.16 sends multipart objects it does not know as files: give reply_parameters as the JSON Telegram expects.
            reply_parameters: JSON.stringify({ message_id: messageId, allow_sending_without_reply: true }) as unknown as { message_id: number },
          },
        );
      } catch (err) {
        throw toDeliveryError(err);
      }
      await this.deps.refs.markDocumentSent(place.chatId, key, file.name);
    }
  }
}
