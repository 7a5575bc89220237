import { OpsbotError } from '../../core/errors.js';
import type { ConversationRef, Message } from '../../core/message.js';
import type { JobKind } from '../kind.js';
import type { Outbox } from '../outbox.js';

export interface NotifyPayload {
  /** `slack:<channel>`, `telegram:<chat id>[/<topic>]`, `console` (config notification routes). */
  destinations: string[];
  /** Messages about one operation of one app share it: the first is posted, the rest thread under it. */
  groupKey: string;
  message: Message;
}

/** Where a route's destination is, as a conversation the outbox can address. */
export function destinationConversation(destination: string): ConversationRef {
  if (destination === 'console') return { platform: 'console', channel: 'notifications' };
  const m = /^(slack|telegram):([^/]+)(?:\/(\d+))?$/.exec(destination);
  if (!m) throw new OpsbotError('E_BAD_DESTINATION', `"${destination}" is not a notification destination`);
  return { platform: m[1] as 'slack' | 'telegram', channel: m[2]!, ...(m[3] ? { thread: m[3] } : {}) };
}

/**
 * Hands one announced notification to each destination's outbox, where the platform's delivery
 * paces it and retries rate limits. Quiet: it has no conversation of its own to report to.
 */
export function notifyJob(deps: { outbox: Pick<Outbox, 'publish'> }): JobKind<NotifyPayload> {
  return {
    name: 'notify',
    idempotent: true,
    attempts: 5,
    quiet: true,
    async run({ job }) {
      const { destinations, groupKey, message } = job.payload;
      for (const d of destinations) {
        await deps.outbox.publish({ conversation: destinationConversation(d), key: `notify:${groupKey}`, message, threaded: true });
      }
      return { text: `notified ${destinations.join(', ')}` };
    },
  };
}
