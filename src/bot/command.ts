import type { Actor, ConversationRef, Message } from '../core/message.js';

/** One chat line addressed to opsbot, as every adapter hands it to the router. */
export interface Command {
  actor: Actor;
  conversation: ConversationRef;
  /** The text after the platform's own command syntax, starting with the command name: `deploy web 1.2 prod`. */
  text: string;
}

/** What the router answers at once (the ack); slow work continues as a job. */
export type Outcome =
  { kind: 'reply'; message: Message } | { kind: 'queued'; jobId: string; message: Message } | { kind: 'rejected'; code: string; message: Message };
