import { parseDestination } from '../../core/destination.js';
import type { Message } from '../../core/message.js';
import type { JobKind } from '../kind.js';
import type { Outbox, OutboxNotice } from '../outbox.js';

export interface NotifyPayload {
  /** `slack:<channel>`, `telegram:<chat id>[/<topic>]`, `console` (config notification routes). */
  destinations: string[];
  /** Messages about one operation of one app share it: the first is posted, the rest thread under it. */
  groupKey: string;
  message: Message;
  /** The announcement's (app, trigger, operation) key: each destination gets it once, through crashes and job retries. */
  key?: string;
  /** The app and where this trigger stands in its operation (argocd NOTICE): the operation's message follows it. */
  notice?: Omit<OutboxNotice, 'group'>;
}

/**
 * Hands one announced notification to each destination's outbox, where the platform's delivery
 * paces it and retries rate limits. Quiet: it has no conversation of its own to report to.
 */
export function notifyJob(deps: { outbox: Pick<Outbox, 'publish' | 'publishOnce'> }): JobKind<NotifyPayload> {
  return {
    name: 'notify',
    idempotent: true,
    attempts: 5,
    // The announcement was confirmed when this job was queued: a worker killed (or starved) twice
    // while running it must not drop it. Running it again publishes nothing twice.
    maxStalls: 20,
    quiet: true,
    async run({ job }) {
      const { destinations, groupKey, message, key, notice } = job.payload;
      // Every destination is read first: one that is not one fails the job before anything is sent.
      const conversations = destinations.map((d) => ({ d, conversation: parseDestination(d) }));
      for (const { d, conversation } of conversations) {
        // With a notice, the operation's one message is edited to each state and the details go
        // in its thread (the sender's business); without (jobs queued before), each is a thread reply.
        const event = notice
          ? { conversation, key: `notify:${groupKey}`, message, notice: { ...notice, group: groupKey } }
          : { conversation, key: `notify:${groupKey}`, message, threaded: true };
        // A job run again (its worker died after publishing) publishes nothing twice.
        if (key) await deps.outbox.publishOnce({ ...event, id: `${key}|${d}` });
        else await deps.outbox.publish(event);
      }
      return { text: `notified ${destinations.join(', ')}` };
    },
  };
}
