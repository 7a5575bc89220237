import type { ConversationRef, Message } from '../core/message.js';
import type { FollowUp, Outbox, OutboxEvent } from './outbox.js';

/**
 * A job's voice, bound to the conversation that asked. Progress edits one message (keyed by
 * the job) instead of flooding the channel; details go in its thread.
 */
export interface Reporter {
  progress(message: Message): Promise<void>;
  /** A separate message under the job's message (thread reply). */
  detail(message: Message): Promise<void>;
  /** The job's last word; `afterDelivery`: a job to queue once it is in chat (outbox.ts FollowUp). */
  succeeded(message: Message, afterDelivery?: FollowUp): Promise<void>;
  failed(message: Message): Promise<void>;
  cancelled(message: Message): Promise<void>;
  /** The last word of a job that answered (or refused) instead of doing its work. */
  answered(message: Message, how: 'answered' | 'refused'): Promise<void>;
}

export class OutboxReporter implements Reporter {
  private readonly key: string;

  constructor(
    private readonly outbox: Outbox,
    private readonly conversation: ConversationRef,
    jobId: string,
  ) {
    this.key = `job:${jobId}`;
  }

  progress(message: Message): Promise<void> {
    return this.outbox.publish({ conversation: this.conversation, key: this.key, message: { status: 'progress', ...message } });
  }

  detail(message: Message): Promise<void> {
    return this.outbox.publish({ conversation: this.conversation, key: this.key, message, threaded: true });
  }

  succeeded(message: Message, afterDelivery?: FollowUp): Promise<void> {
    return this.last({ status: 'success', ...message }, 'succeeded', afterDelivery);
  }

  failed(message: Message): Promise<void> {
    return this.last({ status: 'failure', ...message }, 'failed');
  }

  cancelled(message: Message): Promise<void> {
    return this.last({ status: 'warning', ...message }, 'cancelled');
  }

  answered(message: Message, how: 'answered' | 'refused'): Promise<void> {
    return this.last({ status: how === 'refused' ? 'warning' : 'info', ...message }, how);
  }

  /**
   * A job's last word is said once, even when a worker dies after saying it and the job runs
   * again. The "said" marker and the outbox entry are written by one script: a marker set by one
   * round trip and an entry lost with the next would leave the re-run silent.
   */
  private async last(message: Message, final: NonNullable<OutboxEvent['final']>, afterDelivery?: FollowUp): Promise<void> {
    const id = `${this.key}:final`;
    await this.outbox.publishOnce({
      conversation: this.conversation,
      key: this.key,
      message,
      final,
      id,
      ...(afterDelivery ? { afterDelivery } : {}),
    });
  }
}
