/**
 * The neutral model shared by jobs and adapters: who asked, where, and what to show. Adapters
 * render a `Message` to Block Kit, Telegram HTML or plain text; nothing else knows a platform.
 */
export type Platform = 'console' | 'slack' | 'telegram';

export interface Actor {
  platform: Platform;
  /** Stable platform id: Slack user id, Telegram user id, console login name. */
  id: string;
  /** For humans only (commit trailers, replies); never used for access decisions. */
  displayName: string;
}

/** Where a conversation happens, precisely enough to answer in the same place. */
export interface ConversationRef {
  platform: Platform;
  /** Slack channel id, Telegram chat id, console session id. */
  channel: string;
  /** Slack thread ts, Telegram forum topic / message to reply to. */
  thread?: string;
}

export interface Field {
  label: string;
  value: string;
}

/**
 * What a click does: a chat command and its arguments (`{command: 'infra apply', args: [planId]}`).
 * Jobs say what they offer; only the bot layer turns it into command text for a platform.
 */
export interface ButtonAction {
  command: string;
  args: readonly string[];
}

export interface Button {
  action: ButtonAction;
  label: string;
  style?: 'primary' | 'danger';
  /** Ask "are you sure?" first, with this text. */
  confirm?: string;
}

export type MessageStatus = 'info' | 'progress' | 'success' | 'failure' | 'warning';

/** Where a notification leaves the thing it is about, for counting many at once (failures first). */
export type NoticeOutcome = 'failed' | 'warning' | 'running' | 'succeeded' | 'info';

export interface Message {
  status?: MessageStatus;
  title?: string;
  /** Plain text, never markup: every renderer escapes it for its platform. */
  text?: string;
  fields?: Field[];
  /** Monospace block (plan excerpt, log tail). */
  code?: string;
  /** Small print at the bottom (job id, durations). */
  context?: string;
  buttons?: Button[];
  /** Long content that belongs in a file rather than a message. */
  attachment?: { name: string; content: string };
}

/**
 * Where a message is in chat, for pointing at it from elsewhere (a pull request comment): a URL
 * that opens it when the platform has one (a Slack permalink, a t.me link), and in words always.
 */
export interface ChatLink {
  url?: string;
  text: string;
}

/**
 * How long-running work reports as it goes (a job's progress, a deploy followed through Argo CD,
 * a Terraform plan): each call replaces what the conversation shows for that work.
 */
export type Progress = (message: Message) => Promise<void>;

export function actorSubject(actor: Actor): `${Platform}:${string}` {
  return `${actor.platform}:${actor.id}`;
}
