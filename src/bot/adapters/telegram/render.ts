import type { Message } from '../../../core/message.js';

/** Telegram: "Text of the message to be sent, 1-4096 characters after entities parsing" (sendMessage). */
export const TELEGRAM_TEXT_LIMIT = 4096;

const MARK: Record<NonNullable<Message['status']>, string> = {
  info: 'ℹ️',
  progress: '⏳',
  success: '✅',
  failure: '❌',
  warning: '⚠️',
};

/**
 * Telegram's HTML parse mode: "All <, > and & symbols that are not a part of a tag or an HTML
 * entity must be replaced with the corresponding HTML entities" (&lt; &gt; &amp;; &quot; for
 * attribute values). Everything else — emoji, RTL marks, zero-width characters — is text.
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface TelegramHtml {
  /** The message in Telegram HTML, within the limit. */
  html: string;
  /** Something was cut to fit: the full text belongs in a document. */
  truncated: boolean;
}

interface Parts {
  title?: string;
  text?: string;
  fields: { label: string; value: string }[];
  code?: string;
  context?: string;
  attachment?: string;
}

const CUT = '\n… (cut; the full text is in the attached file)';

/**
 * Neutral message → Telegram HTML. Pure: every dynamic value is escaped, so text from git,
 * Terraform or Kubernetes (`</code>`, `<b>`, `&`) renders literally. Over the limit, the code
 * block is cut first (its head is kept: plan summaries list destroys first), then the text,
 * then the fields, then the title — and `truncated` says a document should follow.
 * The length checked is that of the HTML itself, an upper bound of what Telegram counts.
 */
export function renderTelegramHtml(message: Message, limit = TELEGRAM_TEXT_LIMIT): TelegramHtml {
  const parts: Parts = {
    title: message.title,
    text: message.text,
    fields: message.fields ?? [],
    code: message.code,
    context: message.context,
    attachment: message.attachment?.name,
  };
  const mark = message.status ? MARK[message.status] : '';
  let html = compose(parts, mark);
  if (html.length <= limit) return { html, truncated: false };

  for (const key of ['code', 'text'] as const) {
    const value = parts[key];
    if (value === undefined) continue;
    // The rest of the message, with this part present but empty (its tags and newline count).
    const others = compose({ ...parts, [key]: ' ' }, mark).length - 1;
    parts[key] = fitEscaped(value, limit - others - CUT.length) + CUT;
    html = compose(parts, mark);
    if (html.length <= limit) return { html, truncated: true };
  }
  while (parts.fields.length > 0 && html.length > limit) {
    parts.fields = parts.fields.slice(0, -1);
    html = compose(parts, mark);
  }
  if (html.length <= limit) return { html, truncated: true };
  parts.context = undefined;
  parts.title = fitEscaped(parts.title ?? '', Math.max(0, limit - compose({ ...parts, title: '' }, mark).length - 8));
  html = compose(parts, mark);
  // Only markup overhead is left over the limit: fall back to the escaped title alone.
  return { html: html.length <= limit ? html : escapeHtml(fitEscaped(message.title ?? CUT, limit)), truncated: true };
}

function compose(p: Parts, mark: string): string {
  const out: string[] = [];
  if (p.title) out.push([mark, `<b>${escapeHtml(p.title)}</b>`].filter(Boolean).join(' '));
  if (p.text) out.push(p.title || !mark ? escapeHtml(p.text) : `${mark} ${escapeHtml(p.text)}`);
  for (const f of p.fields) out.push(`<b>${escapeHtml(f.label)}:</b> ${escapeHtml(f.value)}`);
  if (p.code) out.push(`<pre>${escapeHtml(p.code)}</pre>`);
  if (p.attachment) out.push(`📎 <i>${escapeHtml(p.attachment)}</i>`);
  if (p.context) out.push(`<i>${escapeHtml(p.context)}</i>`);
  // Telegram refuses an empty text ("message text is empty").
  return out.join('\n') || mark || '…';
}

/** The longest prefix of `raw` whose escaped form fits `budget`, never splitting a surrogate pair. */
function fitEscaped(raw: string, budget: number): string {
  if (budget <= 0) return '';
  let lo = 0;
  let hi = Math.min(raw.length, budget);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeHtml(raw.slice(0, mid)).length <= budget) lo = mid;
    else hi = mid - 1;
  }
  let cut = raw.slice(0, lo);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
