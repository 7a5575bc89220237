import type { Message } from '../../core/message.js';
import { buttonCommand } from '../button-command.js';

const MARK: Record<NonNullable<Message['status']>, string> = {
  info: 'ℹ',
  progress: '…',
  success: '✔',
  failure: '✖',
  warning: '⚠',
};

/** Neutral message → plain text for a terminal (the console chat, logs). */
export function renderPlain(message: Message): string {
  const out: string[] = [];
  const mark = message.status ? MARK[message.status] : '';
  if (message.title) out.push([mark, message.title].filter(Boolean).join(' '));
  if (message.text) out.push(message.title || !mark ? message.text : `${mark} ${message.text}`);
  else if (!message.title && mark) out.push(mark);
  for (const f of message.fields ?? []) out.push(`  ${f.label}: ${f.value}`);
  if (message.code)
    out.push(
      message.code
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  if (message.buttons?.length) out.push(`  [${message.buttons.map((b) => `${b.label}: ${buttonCommand(b)}`).join('] [')}]`);
  if (message.attachment) out.push(`  (attachment ${message.attachment.name}, ${message.attachment.content.length} bytes)`);
  if (message.context) out.push(`  — ${message.context}`);
  return out.join('\n');
}
