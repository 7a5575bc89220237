import type { App, types as SlackTypes } from '@slack/bolt';
import type { Logger } from '../../../core/logger.js';
import type { ChatLink, Message } from '../../../core/message.js';
import type { OutboxEvent, OutboxNotice } from '../../../jobs/outbox.js';
import { renderBlockKit, type SlackBlock, type SlackFile, type SlackMessage } from './render.js';
import { DeliveryError } from '../../../jobs/outbox.js';
import type { MessageRef, SlackRecords } from './message-refs.js';
import { slackAnswered, slackErrorCode, toDeliveryError } from './web-api-errors.js';
import { findPostedMessage, METADATA_EVENT } from './posted-lookup.js';

type SlackClient = App['client'];
/** Our block types are a strict subset of Block Kit's; the SDK's union is wider than TS can check structurally here. */
type PostBlocks = SlackTypes.KnownBlock[];

/** Slack's response_url answers within seconds; a stuck one must not hold the delivery loop. */
const RESPONSE_URL_TIMEOUT_MS = 5000;

/**
 * Outbox events → Web API calls. The first event of a key posts (`chat.postMessage`), later
 * ones edit it (`chat.update`), `threaded` ones reply under it; files too long for a message
 * are uploaded in its thread (files.getUploadURLExternal → upload → files.completeUploadExternal).
 */
export class SlackSender {
  constructor(private readonly deps: { client: SlackClient; records: SlackRecords; log: Logger }) {}

  async deliver(event: OutboxEvent): Promise<void> {
    const { channel, thread } = event.conversation;
    const rendered = renderBlockKit(event.message);
    try {
      if (event.notice) return await this.deliverNotice({ ...event, notice: event.notice }, rendered);
      // A keyed message found posted is still edited to this version (a digest that grew meanwhile).
      if (event.id !== undefined && (await this.alreadyPosted(event, event.id)) && event.threaded) return;
      const ref = await this.deps.records.getRef(channel, event.key);
      let keyed: MessageRef;
      if (ref && event.threaded) {
        // Slack has one level of threads: a reply to a message that is itself a reply goes to its parent.
        const reply = await this.post(ref.channel, thread ?? ref.ts, rendered, event.id);
        if (event.id !== undefined) await this.deps.records.markPosted(channel, event.id, reply);
        keyed = ref;
      } else if (ref) {
        keyed = (await this.update(ref, rendered)) ?? (await this.postKeyed(channel, event, thread, rendered));
      } else {
        keyed = await this.postKeyed(channel, event, thread, rendered);
      }
      // Marked after it went out, so a failed upload is retried with the event (at least once).
      for (const file of rendered.files) {
        if (await this.deps.records.uploaded(keyed.channel, event.key, file)) continue;
        await this.upload(keyed.channel, thread ?? keyed.ts, file);
        await this.deps.records.markUploaded(keyed.channel, event.key, file);
      }
    } catch (err) {
      // Slack answered (429 or ok:false): nothing was posted, so the next try need not look for it.
      if (event.id !== undefined && slackAnswered(err)) await this.deps.records.clearAttempt(channel, event.id).catch(() => undefined);
      const failure = toDeliveryError(err, `posting to ${channel}`);
      if (failure.opts.permanent) await this.explainFailure(event, failure.message);
      throw failure;
    }
  }

  /**
   * Where the keyed message of `event` is: Slack's permalink for it (chat.getPermalink: channel and
   * message ts, no scope needed, thread replies included — https://docs.slack.dev/reference/methods/chat.getPermalink),
   * or the channel and ts in words when it is not recorded or Slack gives no link.
   */
  async linkTo(event: OutboxEvent): Promise<ChatLink> {
    const { channel } = event.conversation;
    const ref = await this.deps.records.getRef(channel, event.key);
    if (!ref) return { text: `Slack <#${channel}>` };
    try {
      const res = await this.deps.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts });
      if (res.permalink) return { url: res.permalink, text: `the message in Slack <#${ref.channel}>` };
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, channel: ref.channel }, 'no permalink for a message; named in words');
    }
    return { text: `Slack <#${ref.channel}>, message ${ref.ts}` };
  }

  /**
   * Did this event (one with an id) go out already? Recorded as posted, or attempted and found in
   * Slack by its metadata (then recorded, and its key pointed at it). Attempts nothing itself.
   */
  async wasPosted(event: OutboxEvent): Promise<boolean> {
    if (event.id === undefined) return false;
    if (await this.deps.records.getPosted(event.conversation.channel, event.id)) return true;
    return (await this.deps.records.attemptedAt(event.conversation.channel, event.id)) !== undefined && (await this.alreadyPosted(event, event.id));
  }

  /**
   * One message per operation: the first notification posts it; each later one edits it to the
   * latest state (never back to an earlier one: `rank`) and goes in its thread with the details
   * — a failure with `reply_broadcast`, so the channel sees it too. The edit comes before the
   * reply: a reply recorded as posted means the edit was made.
   */
  private async deliverNotice(event: OutboxEvent & { notice: OutboxNotice }, rendered: SlackMessage): Promise<void> {
    const { records } = this.deps;
    const { channel, thread } = event.conversation;
    const { rank, outcome } = event.notice;
    const ref = await records.getRef(channel, event.key);
    if (event.notice.headOnly) {
      if (ref && rank > (ref.rank ?? 0) && (await this.update(ref, rendered))) await records.putRef(channel, event.key, { ...ref, rank });
      return;
    }
    if (event.id !== undefined && (await this.alreadyPosted(event, event.id))) return;
    if (!ref) {
      const head = await this.postKeyed(channel, event, thread, rendered);
      await records.putRef(channel, event.key, { ...head, rank });
      return;
    }
    if (rank >= (ref.rank ?? 0)) {
      const edited = await this.update(ref, rendered);
      if (!edited) {
        // The operation's message was deleted: this state becomes its message.
        const head = await this.postKeyed(channel, event, thread, rendered);
        await records.putRef(channel, event.key, { ...head, rank });
        return;
      }
      await records.putRef(channel, event.key, { ...ref, rank });
    }
    const reply = await this.post(ref.channel, thread ?? ref.ts, rendered, event.id, outcome === 'failed');
    if (event.id !== undefined) await records.markPosted(channel, event.id, reply);
  }

  private async postKeyed(channel: string, event: OutboxEvent, thread: string | undefined, rendered: SlackMessage): Promise<MessageRef> {
    const ref = await this.post(channel, thread, rendered, event.id);
    await this.deps.records.putRef(channel, event.key, ref);
    if (event.id !== undefined) await this.deps.records.markPosted(channel, event.id, ref);
    return ref;
  }

  /** `broadcast`: a thread reply also shown in the channel (https://docs.slack.dev/reference/methods/chat.postMessage#arg_reply_broadcast). */
  private async post(channel: string, thread: string | undefined, rendered: SlackMessage, id?: string, broadcast = false): Promise<MessageRef> {
    const inThread: { thread_ts: string; reply_broadcast: boolean } | { reply_broadcast?: false } = thread
      ? { thread_ts: thread, reply_broadcast: broadcast }
      : {};
    const res = await this.deps.client.chat.postMessage({
      channel,
      text: rendered.text,
      blocks: rendered.blocks as PostBlocks,
      ...inThread,
      // The message carries its own identity, so a retry can find it (https://docs.slack.dev/messaging/message-metadata).
      ...(id !== undefined ? { metadata: { event_type: METADATA_EVENT, event_payload: { opsbot_id: id } } } : {}),
    });
    if (!res.ts) throw new DeliveryError(`Slack answered chat.postMessage in ${channel} without a ts`);
    return { channel: res.channel ?? channel, ts: res.ts };
  }

  /**
   * Was this message posted already? Yes when it was recorded as posted. When an attempt was
   * made but never recorded (the process died between Slack's answer and the record), the
   * message is looked for in Slack by its metadata: found, it is recorded (and its key points
   * at it) instead of being posted a second time.
   */
  private async alreadyPosted(event: OutboxEvent, id: string): Promise<boolean> {
    const { records } = this.deps;
    const { channel } = event.conversation;
    if (await records.getPosted(channel, id)) return true;
    const attemptedAt = await records.attempt(channel, id);
    if (attemptedAt === undefined) return false;
    const ref = await records.getRef(channel, event.key);
    // Threaded events, and an operation's later notifications, were posted under the keyed message.
    const parent = (event.threaded || event.notice) && ref ? (event.conversation.thread ?? ref.ts) : event.conversation.thread;
    const found = await findPostedMessage(this.deps.client, ref?.channel ?? channel, id, attemptedAt, parent);
    if (!found) return false;
    this.deps.log.info({ channel, id }, 'found the message posted before a crash; not posting it again');
    if (!ref) await records.putRef(channel, event.key, found);
    await records.markPosted(channel, id, found);
    return true;
  }

  /** Edit the keyed message; undefined when it is gone (deleted by someone), so it is posted anew. */
  private async update(ref: MessageRef, rendered: SlackMessage): Promise<MessageRef | undefined> {
    try {
      await this.deps.client.chat.update({ channel: ref.channel, ts: ref.ts, text: rendered.text, blocks: rendered.blocks as PostBlocks });
      return ref;
    } catch (err) {
      if (['message_not_found', 'cant_update_message', 'edit_window_closed'].includes(slackErrorCode(err) ?? '')) return undefined;
      throw err;
    }
  }

  private async upload(channel: string, threadTs: string, file: SlackFile): Promise<void> {
    const bytes = Buffer.from(file.content, 'utf8');
    const target = await this.deps.client.files.getUploadURLExternal({ filename: file.name, length: bytes.length });
    if (!target.upload_url || !target.file_id) throw new DeliveryError('Slack answered files.getUploadURLExternal without an upload URL');
    const res = await fetch(target.upload_url, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok)
      throw new DeliveryError(`uploading ${file.name} failed: HTTP ${res.status}`, {
        permanent: res.status >= 400 && res.status < 500 && res.status !== 429,
      });
    await this.deps.client.files.completeUploadExternal({
      files: [{ id: target.file_id, title: file.name }],
      channel_id: channel,
      thread_ts: threadTs,
    });
  }

  /** Tell the person who asked (privately, through the command's response_url) why nothing appeared. */
  private async explainFailure(event: OutboxEvent, reason: string): Promise<void> {
    const origin = await this.deps.records.getOrigin(event.conversation.channel, event.key).catch(() => undefined);
    if (!origin?.responseUrl) return;
    // Every message of the job fails the same way: say it once.
    if (!(await this.deps.records.firstExplanation(event.conversation.channel, event.key).catch(() => false))) return;
    await this.respondPrivately(origin.responseUrl, {
      status: 'failure',
      text: `opsbot could not post here: ${reason}. The job itself was not affected.`,
    }).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'could not explain a failed delivery'));
  }

  /**
   * An answer only the asker sees: through the response_url Slack gave with the command or click
   * (works even where the bot is not a member), else chat.postEphemeral.
   */
  async respondPrivately(responseUrl: string | undefined, message: Message, where?: { channel: string; user: string }): Promise<void> {
    const rendered = renderBlockKit(message);
    if (responseUrl) {
      const res = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: rendered.text, blocks: rendered.blocks }),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
      return;
    }
    if (where)
      await this.deps.client.chat.postEphemeral({
        channel: where.channel,
        user: where.user,
        text: rendered.text,
        blocks: rendered.blocks as PostBlocks,
      });
  }

  /** After a decision: the clicked message keeps its content, loses its buttons, and says who decided and when. */
  async markDecided(channel: string, ts: string, blocks: SlackBlock[], text: string, decision: string): Promise<void> {
    const kept = blocks.filter((b) => b.type !== 'actions');
    const when = Math.floor(Date.now() / 1000);
    // <!date^…> shows the time in each reader's own time zone (https://docs.slack.dev/messaging/formatting-message-text#date-formatting).
    kept.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${decision} · <!date^${when}^{date_short_pretty} {time}|${new Date(when * 1000).toISOString()}>` }],
    });
    await this.deps.client.chat.update({ channel, ts, text, blocks: kept as PostBlocks });
  }
}
