import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Telegram Bot API (reached through TELEGRAM_API_ROOT):
 * `POST /bot<token>/<method>` with a JSON or multipart body, answered the way Telegram answers —
 * `{ ok: true, result }` or `{ ok: false, error_code, description, parameters? }` — including
 * its checks: HTML parse mode must parse (only Telegram's tags, entities escaped), texts are
 * 1-4096 characters after parsing, callback_data 1-64 bytes, an identical edit is "message is
 * not modified", getUpdates conflicts with an active webhook. Faults are injected per method.
 * Every call is recorded.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Params = Record<string, Json>;

export interface RecordedCall {
  method: string;
  params: Params;
  /** Files of a multipart call (sendDocument): field → name and content. */
  files: Record<string, { filename: string; content: string }>;
  /** When it arrived (ms since epoch), for pacing and Retry-After checks. */
  at: number;
}

export interface StoredMessage {
  message_id: number;
  chat_id: string;
  text?: string;
  html?: string;
  reply_markup?: Json;
  reply_to?: number;
  message_thread_id?: number;
  document?: { file_name: string; content: string };
}

export interface TelegramError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

export const NOT_MODIFIED: TelegramError = {
  error_code: 400,
  description:
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
};
export const tooManyRequests = (retryAfter: number): TelegramError => ({
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});

export interface TelegramApiDouble {
  /** The TELEGRAM_API_ROOT to give opsbot. */
  url: string;
  calls: RecordedCall[];
  /** Messages the bot has in each chat, as Telegram would show them now. */
  messages: Map<string, StoredMessage[]>;
  webhook?: { url: string; secret_token?: string };
  commands?: Json;
  /** Queue an update for getUpdates (long polling). */
  queueUpdate(update: Json): void;
  /** The next `count` calls of `method` fail with `error`. */
  failNext(method: string, error: TelegramError, count?: number): void;
  callsOf(method: string): RecordedCall[];
  message(chatId: string | number, messageId: number): StoredMessage | undefined;
  close(): Promise<void>;
}

const BOT_ID = 7000000001;
const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'code',
  'pre',
  'a',
  'tg-spoiler',
  'span',
  'blockquote',
  'tg-emoji',
]);

/** Telegram's HTML parse mode, as far as opsbot uses it: the visible text, or the error Telegram gives. */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const stack: string[] = [];
  let text = '';
  const re = /<(\/?)([a-zA-Z-]+)[^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]/g;
  let last = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    text += html.slice(last, m.index);
    last = re.lastIndex;
    const offset = Buffer.byteLength(html.slice(0, m.index));
    if (m[2]) {
      const tag = m[2].toLowerCase();
      if (!ALLOWED_TAGS.has(tag)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${tag}" at byte offset ${offset}` };
      if (m[1]) {
        if (stack.pop() !== tag)
          return {
            error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${offset}, expected "</${stack.at(-1) ?? ''}>", found "</${tag}>"`,
          };
      } else stack.push(tag);
    } else if (m[3]) {
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
      const e = m[3];
      if (e.startsWith('#')) text += String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      else if (named[e] !== undefined) text += named[e];
      else return { error: `Bad Request: can't parse entities: Unsupported entity "${e}" at byte offset ${offset}` };
    } else if (m[0] === '&') text += '&';
    else return { error: `Bad Request: can't parse entities: Unexpected "${m[0]}" at byte offset ${offset}` };
  }
  text += html.slice(last);
  if (stack.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { text };
}

async function readBody(req: IncomingMessage): Promise<{ params: Params; files: RecordedCall['files'] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return { params: raw.length ? (JSON.parse(raw.toString('utf8')) as Params) : {}, files: {} };
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) return { params: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: {} };
  const params: Params = {};
  const files: RecordedCall['files'] = {};
  for (const part of raw.toString('latin1').split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const body = Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1').toString('utf8');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (!name) continue;
    if (filename !== undefined) files[name] = { filename, content: body };
    else params[name] = /^[[{]/.test(body) ? (JSON.parse(body) as Json) : body;
  }
  return { params, files };
}

/**
 * `limits`: Telegram's limits on new messages (sendMessage, sendDocument), enforced
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): one per
 * second in a chat, 20 per minute in a group (negative chat id); past them the answer is 429
 * with `parameters.retry_after`, as Telegram gives it.
 */
export async function startTelegramApi(opts: { token: string; username?: string; limits?: boolean }): Promise<TelegramApiDouble> {
  const sentAt = new Map<string, number[]>();
  /** Seconds to wait before `chat` may take another message, or 0 (and the send is counted). */
  const throttle = (chat: string, now: number): number => {
    const times = (sentAt.get(chat) ?? []).filter((t) => t > now - 60_000);
    const lastSecond = times.filter((t) => t > now - 1000);
    let wait = lastSecond.length >= 1 ? lastSecond[0]! + 1000 - now : 0;
    if (chat.startsWith('-') && times.length >= 20) wait = Math.max(wait, times[times.length - 20]! + 60_000 - now);
    if (wait > 0) return Math.ceil(wait / 1000);
    sentAt.set(chat, [...times, now]);
    return 0;
  };
  const username = opts.username ?? 'opsbot_test_bot';
  const calls: RecordedCall[] = [];
  const messages = new Map<string, StoredMessage[]>();
  const faults = new Map<string, TelegramError[]>();
  const updates: { update_id: number; [k: string]: Json }[] = [];
  const waiters = new Set<() => void>();
  let nextMessageId = 5000;

  const double: TelegramApiDouble = {
    url: '',
    calls,
    messages,
    queueUpdate(update) {
      updates.push(update as { update_id: number });
      for (const w of waiters) w();
    },
    failNext(method, error, count = 1) {
      faults.set(method, [...(faults.get(method) ?? []), ...Array.from({ length: count }, () => error)]);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    message: (chatId, messageId) => messages.get(String(chatId))?.find((m) => m.message_id === messageId),
    close: () =>
      new Promise((r) => {
        for (const w of waiters) w();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };

  const checkText = (p: Params): { text: string } | TelegramError => {
    const html = String(p.text ?? '');
    const parsed = p.parse_mode === 'HTML' ? parseTelegramHtml(html) : { text: html };
    if ('error' in parsed) return { error_code: 400, description: parsed.error };
    if (parsed.text.trim().length === 0) return { error_code: 400, description: 'Bad Request: message text is empty' };
    if (parsed.text.length > 4096) return { error_code: 400, description: 'Bad Request: message is too long' };
    const buttons = ((p.reply_markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined)?.inline_keyboard ?? []).flat();
    if (buttons.some((b) => !b.callback_data || Buffer.byteLength(b.callback_data) > 64))
      return { error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' };
    return parsed;
  };

  const asMessage = (m: StoredMessage): Json => ({
    message_id: m.message_id,
    from: { id: BOT_ID, is_bot: true, first_name: 'opsbot', username },
    chat: { id: Number(m.chat_id), type: m.chat_id.startsWith('-') ? 'supergroup' : 'private' },
    date: Math.floor(Date.now() / 1000),
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.message_thread_id !== undefined ? { message_thread_id: m.message_thread_id, is_topic_message: true } : {}),
    ...(m.reply_to !== undefined ? { reply_to_message: { message_id: m.reply_to, chat: { id: Number(m.chat_id), type: 'private' }, date: 0 } } : {}),
    ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    ...(m.document
      ? {
          document: {
            file_id: `doc-${m.message_id}`,
            file_unique_id: `u${m.message_id}`,
            file_name: m.document.file_name,
            file_size: Buffer.byteLength(m.document.content),
          },
        }
      : {}),
  });

  const post = (p: Params, fields: Partial<StoredMessage>): StoredMessage => {
    const chat = String(p.chat_id);
    const reply = p.reply_parameters as { message_id?: number } | undefined;
    const m: StoredMessage = {
      message_id: nextMessageId++,
      chat_id: chat,
      reply_to: reply?.message_id,
      message_thread_id: p.message_thread_id === undefined ? undefined : Number(p.message_thread_id),
      ...fields,
    };
    messages.set(chat, [...(messages.get(chat) ?? []), m]);
    return m;
  };

  const findForEdit = (p: Params): StoredMessage | TelegramError =>
    double.message(String(p.chat_id), Number(p.message_id)) ?? { error_code: 400, description: 'Bad Request: message to edit not found' };
  const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

  const methods: Record<
    string,
    (p: Params, files: RecordedCall['files'], res: ServerResponse) => Promise<Json | TelegramError> | Json | TelegramError
  > = {
    getMe: () => ({
      id: BOT_ID,
      is_bot: true,
      first_name: 'opsbot',
      username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    }),
    setWebhook: (p) => {
      if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(p.secret_token)))
        return { error_code: 400, description: 'Bad Request: secret token contains unallowed characters' };
      double.webhook = { url: String(p.url), ...(p.secret_token !== undefined ? { secret_token: String(p.secret_token) } : {}) };
      return true;
    },
    deleteWebhook: () => {
      double.webhook = undefined;
      return true;
    },
    getUpdates: async (p, _f, res) => {
      if (double.webhook)
        return {
          error_code: 409,
          description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        };
      const offset = Number(p.offset ?? 0);
      if (offset > 0) updates.splice(0, updates.filter((u) => u.update_id < offset).length);
      if (updates.length === 0 && Number(p.timeout ?? 0) > 0) {
        // Long polling: hold the request until an update arrives, the timeout passes or the client leaves.
        await new Promise<void>((resolve) => {
          const done = () => (waiters.delete(done), clearTimeout(t), resolve());
          const t = setTimeout(done, Math.min(Number(p.timeout), 50) * 1000);
          waiters.add(done);
          res.on('close', done);
        });
      }
      return updates.slice(0, Number(p.limit ?? 100)) as Json;
    },
    sendMessage: (p) => {
      const checked = checkText(p);
      if ('error_code' in checked) return checked;
      return asMessage(post(p, { text: checked.text, html: String(p.text), reply_markup: p.reply_markup }));
    },
    editMessageText: (p) => {
      const m = findForEdit(p);
      if ('error_code' in m) return m;
      const checked = checkText(p);
      if ('error_code' in checked) return checked;
      if (m.text === checked.text && same(m.reply_markup, p.reply_markup)) return NOT_MODIFIED;
      Object.assign(m, { text: checked.text, html: String(p.text), reply_markup: p.reply_markup });
      return asMessage(m);
    },
    editMessageReplyMarkup: (p) => {
      const m = findForEdit(p);
      if ('error_code' in m) return m;
      if (same(m.reply_markup, p.reply_markup)) return NOT_MODIFIED;
      m.reply_markup = p.reply_markup;
      return asMessage(m);
    },
    answerCallbackQuery: (p) => (String(p.text ?? '').length > 200 ? { error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' } : true),
    sendDocument: (p, files) => {
      const file = files.document;
      if (!file) return { error_code: 400, description: 'Bad Request: there is no document in the request' };
      return asMessage(post(p, { document: { file_name: file.filename, content: file.content } }));
    },
    setMyCommands: (p) => {
      const list = p.commands as { command?: string; description?: string }[];
      const bad = list.find((c) => !/^[a-z0-9_]{1,32}$/.test(c.command ?? '') || !c.description || c.description.length > 256);
      if (bad) return { error_code: 400, description: 'Bad Request: BOT_COMMAND_INVALID' };
      double.commands = p.commands ?? null;
      return true;
    },
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const send = (status: number, body: Json) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
      if (!m) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      if (m[1] !== opts.token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = m[2]!;
      const handler = methods[method];
      if (!handler) return send(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
      const { params, files } = await readBody(req);
      calls.push({ method, params, files, at: Date.now() });
      const fault = faults.get(method)?.shift();
      const wait =
        opts.limits && !fault && (method === 'sendMessage' || method === 'sendDocument') ? throttle(String(params.chat_id), Date.now()) : 0;
      const result = fault ?? (wait > 0 ? tooManyRequests(wait) : await handler(params, files, res));
      if (res.writableEnded || res.destroyed) return;
      if (result !== null && typeof result === 'object' && !Array.isArray(result) && typeof result.error_code === 'number') {
        const e = result as unknown as TelegramError;
        return send(e.error_code, {
          ok: false,
          error_code: e.error_code,
          description: e.description,
          ...(e.parameters ? { parameters: e.parameters as Json } : {}),
        });
      }
      send(200, { ok: true, result: result as Json });
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
}
