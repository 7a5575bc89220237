import type { App } from '@slack/bolt';
import type { MessageRef } from './message-refs.js';

type SlackClient = App['client'];

/** The metadata event type opsbot's messages carry; `event_payload.opsbot_id` is the outbox id. */
export const METADATA_EVENT = 'opsbot_message';
/** Slack's clock and ours may differ a little: look this far before the attempt. */
const CLOCK_MARGIN_S = 120;
/** conversations.history / replies pages looked through at most (200 messages each). */
const MAX_PAGES = 5;

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/**
 * Looks for a message opsbot posted with `id` in its metadata, since `attemptedAt`: in the
 * thread under `parent` (conversations.replies) or in the channel (conversations.history),
 * both asked for all metadata. Undefined when it is not there (the post never went out).
 */
export async function findPostedMessage(
  client: SlackClient,
  channel: string,
  id: string,
  attemptedAt: number,
  parent?: string,
): Promise<MessageRef | undefined> {
  const oldest = (attemptedAt / 1000 - CLOCK_MARGIN_S).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = parent
      ? await client.conversations.replies({ channel, ts: parent, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) })
      : await client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) });
    const messages = (res.messages ?? []) as HistoryMessage[];
    const hit = messages.find((m) => m.metadata?.event_type === METADATA_EVENT && m.metadata.event_payload?.opsbot_id === id);
    if (hit?.ts) return { channel, ts: hit.ts };
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
