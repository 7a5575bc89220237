import type { Button, Message, MessageStatus } from '../../../core/message.js';
import { buttonCommand } from '../../button-command.js';

/**
 * Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): a message holds
 * at most 50 blocks; a section's text at most 3,000 characters and 10 fields of 2,000; a header
 * 150; a button's text 75 and its value 2,000; an actions block 25 elements; a confirm dialog's
 * title 100, text 300, button labels 30.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionsElements: 25,
  contextText: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Notifications show the fallback `text`; Slack advises keeping it under 4,000 characters. */
  fallbackText: 4000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export interface SlackButton {
  type: 'button';
  action_id: string;
  text: PlainText;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: PlainText; text: PlainText; confirm: PlainText; deny: PlainText; style?: 'primary' | 'danger' };
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: MrkdwnText }
  | { type: 'section'; fields: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'actions'; block_id?: string; elements: SlackButton[] };

/** Content too long for a message: the adapter uploads it as a file in the message's thread. */
export interface SlackFile {
  name: string;
  content: string;
}

export interface SlackMessage {
  /** Fallback for notifications and clients that cannot show blocks; never empty. */
  text: string;
  blocks: SlackBlock[];
  files: SlackFile[];
}

/** Buttons carry the command to run in `value`; the action id only has to be unique in the message. */
export const BUTTON_ACTION_PREFIX = 'opsbot-button-';

const STATUS_EMOJI: Record<MessageStatus, string> = {
  info: ':information_source:',
  progress: ':hourglass_flowing_sand:',
  success: ':white_check_mark:',
  failure: ':x:',
  warning: ':warning:',
};

/** mrkdwn gives `&`, `<` and `>` meaning (links, mentions); Slack asks for exactly these three escapes. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Split text into pieces of at most `max` characters, preferring line breaks. */
function chunk(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = rest.lastIndexOf('\n', max);
    const at = cut > max / 2 ? cut : max;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest) out.push(rest);
  return out;
}

const FENCE = '```';

/** The code as one preformatted section if it fits; otherwise its head, and the whole as a file. */
function codeBlocks(code: string, files: SlackFile[]): SlackBlock[] {
  const escaped = escapeMrkdwn(code);
  const room = SLACK_LIMITS.sectionText - 2 * FENCE.length - 2;
  if (escaped.length <= room) return [{ type: 'section', text: { type: 'mrkdwn', text: `${FENCE}\n${escaped}\n${FENCE}` } }];
  const name = 'output.txt';
  files.push({ name, content: code });
  const note = `_… ${code.split('\n').length} lines in all: the full text is in ${name}, in the thread._`;
  const head = chunk(escaped, room - note.length - 2)[0] ?? '';
  return [{ type: 'section', text: { type: 'mrkdwn', text: `${FENCE}\n${head}\n${FENCE}\n${note}` } }];
}

function fieldBlocks(message: Message): SlackBlock[] {
  const fields = (message.fields ?? []).map((f): MrkdwnText => ({
    type: 'mrkdwn',
    text: clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, SLACK_LIMITS.fieldText),
  }));
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.fieldsPerSection)
    blocks.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.fieldsPerSection) });
  return blocks;
}

export function slackButton(button: Button, index: number): SlackButton | undefined {
  // The value is the command run on click; one that does not fit cannot be offered at all.
  const value = buttonCommand(button);
  if (value.length > SLACK_LIMITS.buttonValue) return undefined;
  const out: SlackButton = {
    type: 'button',
    action_id: `${BUTTON_ACTION_PREFIX}${index}`,
    text: { type: 'plain_text', text: clip(button.label, SLACK_LIMITS.buttonText), emoji: true },
    value,
  };
  if (button.style) out.style = button.style;
  if (button.confirm) {
    out.confirm = {
      title: { type: 'plain_text', text: clip(`${button.label}?`, SLACK_LIMITS.confirmTitle) },
      text: { type: 'plain_text', text: clip(button.confirm, SLACK_LIMITS.confirmText) },
      confirm: { type: 'plain_text', text: clip(button.label, SLACK_LIMITS.confirmButton) },
      deny: { type: 'plain_text', text: 'Cancel' },
      ...(button.style ? { style: button.style } : {}),
    };
  }
  return out;
}

function actionBlocks(buttons: Button[]): SlackBlock[] {
  const elements = buttons.map(slackButton).filter((b): b is SlackButton => b !== undefined);
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < elements.length; i += SLACK_LIMITS.actionsElements)
    blocks.push({ type: 'actions', elements: elements.slice(i, i + SLACK_LIMITS.actionsElements) });
  return blocks;
}

/** The fallback text: what a notification shows, in mrkdwn. */
function fallback(message: Message): string {
  const emoji = message.status ? `${STATUS_EMOJI[message.status]} ` : '';
  const parts = [message.title, message.text].filter((p): p is string => Boolean(p)).map(escapeMrkdwn);
  const text = `${emoji}${parts.join(': ') || (message.fields?.map((f) => `${f.label}: ${f.value}`).join(', ') ?? '')}`.trim();
  return clip(text || 'opsbot', SLACK_LIMITS.fallbackText);
}

/** Full content as plain text, for the file that replaces a message too big for 50 blocks. */
function plainBody(message: Message): string {
  return [message.title, message.text, ...(message.fields ?? []).map((f) => `${f.label}: ${f.value}`), message.code, message.context]
    .filter(Boolean)
    .join('\n\n');
}

/**
 * Neutral message → Block Kit: header (status emoji + title), the text, fields, code as a
 * preformatted block, context, and the buttons (their `value` is the command a click runs).
 * Nothing is cut silently: content beyond Slack's limits goes into a file uploaded in the thread.
 */
export function renderBlockKit(message: Message): SlackMessage {
  const files: SlackFile[] = [];
  const emoji = message.status ? STATUS_EMOJI[message.status] : '';
  const head: SlackBlock[] = [];
  if (message.title)
    head.push({
      type: 'header',
      text: { type: 'plain_text', text: clip([emoji, message.title].filter(Boolean).join(' '), SLACK_LIMITS.headerText), emoji: true },
    });

  let body: SlackBlock[] = [];
  if (message.title && message.title.length + emoji.length + 1 > SLACK_LIMITS.headerText) {
    body.push({ type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(message.title)}*` } });
  }
  if (message.text) {
    const text = escapeMrkdwn(message.title || !emoji ? message.text : `${emoji} ${message.text}`);
    for (const piece of chunk(text, SLACK_LIMITS.sectionText)) body.push({ type: 'section', text: { type: 'mrkdwn', text: piece } });
  }
  body.push(...fieldBlocks(message));
  if (message.code) body.push(...codeBlocks(message.code, files));

  const notes: string[] = [];
  if (message.attachment) {
    files.push({ name: message.attachment.name, content: message.attachment.content });
    notes.push(`:paperclip: ${escapeMrkdwn(message.attachment.name)} is attached in the thread.`);
  }
  if (message.context) notes.push(escapeMrkdwn(message.context));
  const tail: SlackBlock[] = notes.length
    ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(notes.join('  ·  '), SLACK_LIMITS.contextText) }] }]
    : [];
  const actions = actionBlocks(message.buttons ?? []);

  const budget = SLACK_LIMITS.blocks - head.length - tail.length - actions.length;
  if (body.length > budget) {
    const name = 'message.txt';
    files.push({ name, content: plainBody(message) });
    body = [
      ...body.slice(0, Math.max(0, budget - 1)),
      { type: 'section', text: { type: 'mrkdwn', text: `_This message is longer than Slack shows; all of it is in ${name}, in the thread._` } },
    ];
  }
  if (!message.title && body.length === 0 && emoji) body.push({ type: 'section', text: { type: 'mrkdwn', text: emoji } });
  return { text: fallback(message), blocks: [...head, ...body, ...tail, ...actions], files };
}
