import { buffer } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Slack's Web API (reached through SLACK_API_URL), answering in Slack's
 * wire format: form-encoded (or JSON) requests to `/api/<method>`, `{ok: true, …}` /
 * `{ok: false, error}` with HTTP 200, and HTTP 429 with `Retry-After` when rate-limited. The
 * bearer token is checked on every call. It also plays the upload URLs that
 * files.getUploadURLExternal hands out, and response_urls (`/respond/<id>`).
 */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** The Authorization header carried the expected bot token. */
  authorized: boolean;
  /** What the stand-in answered: `ok`, an error code, or `429`. */
  answer: string;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  /** A thread reply also shown in the channel (chat.postMessage `reply_broadcast`). */
  reply_broadcast?: boolean;
  text: string;
  blocks: unknown[];
  /** Message metadata posted with it (https://docs.slack.dev/messaging/message-metadata). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Every version the message had, oldest first (postMessage, then each chat.update). */
  versions: { text: string; blocks: unknown[] }[];
}

export interface SlackApiDouble {
  /** Base URL for SLACK_API_URL, ending in `/api/`. */
  url: string;
  origin: string;
  calls: SlackCall[];
  messages: Map<string, PostedMessage>;
  /** Bodies POSTed to response_urls, by id. */
  responses: { id: string; body: Record<string, unknown> }[];
  uploads: Map<string, { filename: string; content: string }>;
  /** Answer the next `times` calls of `method` with `{ok: false, error}`. */
  failNext(method: string, error: string, times?: number): void;
  /** Answer the next `times` calls of `method` with HTTP 429 and `Retry-After: seconds`. */
  rateLimitNext(method: string, seconds: number, times?: number): void;
  /** Channels whose chat.postMessage / chat.update / chat.postEphemeral answer `{ok: false, error}` (channel_not_found, not_in_channel…). */
  channelErrors: Map<string, string>;
  /** Members of user groups, for usergroups.users.list. */
  userGroups: Record<string, string[]>;
  /** Channels by name (without '#') → id, for conversations.list and posts by name. */
  channels: Map<string, string>;
  /** Channels per conversations.list page (Slack may return fewer than `limit`): small values exercise the cursor. */
  listPageSize: number;
  /**
   * Hold the answer to the next chat.postMessage: the message is stored (it "went out"), the
   * answer waits until `release` — a process killed meanwhile never learns its post succeeded.
   */
  holdNextPost(): Promise<{ message: PostedMessage; release: () => void }>;
  responseUrl(id: string): string;
  callsOf(method: string): SlackCall[];
  close(): Promise<void>;
}

interface Scripted {
  kind: 'error' | '429';
  value: string | number;
  times: number;
}

/** Fields the Web API client sends JSON-encoded inside a form. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata']);

/**
 * `postsPerChannelPerSecond`: Slack's posting limit, enforced — "1 per second per channel, short
 * bursts >1 allowed" (https://docs.slack.dev/apis/web-api/rate-limits): a chat.postMessage to a
 * channel that already had `burst` posts in the last second is answered 429 with Retry-After: 1.
 */
export async function startSlackApi(opts: {
  token: string;
  teamId?: string;
  botUserId?: string;
  postsPerChannelPerSecond?: { burst: number };
}): Promise<SlackApiDouble> {
  const calls: SlackCall[] = [];
  const messages = new Map<string, PostedMessage>();
  const responses: SlackApiDouble['responses'] = [];
  const uploads = new Map<string, { filename: string; content: string }>();
  const scripted = new Map<string, Scripted[]>();
  const userGroups: Record<string, string[]> = {};
  const channels = new Map<string, string>();
  const listing = { pageSize: 100 };
  const channelErrors = new Map<string, string>();
  const pending = new Map<string, { filename: string; length: number }>();
  const recentPosts = new Map<string, number[]>();
  const holds: ((m: PostedMessage) => Promise<void>)[] = [];
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const botUser = opts.botUserId ?? 'U0OPSBOT';

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({
      url: 'https://example.slack.com/',
      team: 'Example',
      user: 'opsbot',
      team_id: opts.teamId ?? 'T0EXAMPLE',
      user_id: botUser,
      bot_id: 'B0OPSBOT',
      is_enterprise_install: false,
    }),
    'chat.postMessage': (a) => {
      if (!a.channel) return { ok: false, error: 'channel_not_found' };
      if (!a.text && !a.blocks) return { ok: false, error: 'no_text' };
      const ts = nextTs();
      // Slack still takes a public channel's name here; opsbot resolves names to ids first.
      const channel = String(a.channel).startsWith('#') ? channels.get(String(a.channel).slice(1)) : String(a.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const text = String(a.text ?? '');
      const blocks = (a.blocks as unknown[]) ?? [];
      const metadata = a.metadata as PostedMessage['metadata'];
      const broadcast = a.thread_ts !== undefined && String(a.reply_broadcast) === 'true';
      messages.set(ts, {
        channel,
        ts,
        thread_ts: a.thread_ts ? String(a.thread_ts) : undefined,
        ...(broadcast ? { reply_broadcast: true } : {}),
        text,
        blocks,
        metadata,
        versions: [{ text, blocks }],
      });
      return {
        channel,
        ts,
        message: { type: 'message', text, user: botUser, bot_id: 'B0OPSBOT', ts, blocks, ...(a.thread_ts ? { thread_ts: a.thread_ts } : {}) },
      };
    },
    'chat.update': (a) => {
      const m = messages.get(String(a.ts));
      if (!m || m.channel !== a.channel) return { ok: false, error: 'message_not_found' };
      m.text = String(a.text ?? '');
      m.blocks = (a.blocks as unknown[]) ?? [];
      m.versions.push({ text: m.text, blocks: m.blocks });
      return { channel: m.channel, ts: m.ts, text: m.text, message: { text: m.text, user: botUser, blocks: m.blocks } };
    },
    'chat.getPermalink': (a) => {
      // https://docs.slack.dev/reference/methods/chat.getPermalink: `archives/<channel>/p<ts without the dot>`,
      // a thread reply with `?thread_ts=<parent>&cid=<channel>`; channel_not_found / message_not_found otherwise.
      if (!a.channel || ![...messages.values()].some((m) => m.channel === a.channel)) return { ok: false, error: 'channel_not_found' };
      const m = messages.get(String(a.message_ts));
      if (!m || m.channel !== a.channel) return { ok: false, error: 'message_not_found' };
      const reply = m.thread_ts && m.thread_ts !== m.ts ? `?thread_ts=${m.thread_ts}&cid=${m.channel}` : '';
      return { channel: m.channel, permalink: `https://example.slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}${reply}` };
    },
    'chat.postEphemeral': (a) => (a.channel && a.user ? { message_ts: nextTs() } : { ok: false, error: 'channel_not_found' }),
    'files.getUploadURLExternal': (a) => {
      if (!a.filename || !a.length) return { ok: false, error: 'invalid_arguments' };
      const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
      pending.set(id, { filename: String(a.filename), length: Number(a.length) });
      return { upload_url: `${origin}/upload/v1/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (a) => {
      const files = (a.files as { id: string; title?: string }[]) ?? [];
      if (files.some((f) => !uploads.has(f.id))) return { ok: false, error: 'file_not_found' };
      return { files: files.map((f) => ({ id: f.id, title: f.title ?? uploads.get(f.id)!.filename, name: uploads.get(f.id)!.filename })) };
    },
    'conversations.history': (a) => {
      // Top-level messages (thread parents and replies broadcast to the channel included, other replies not), newest first, as Slack answers.
      const list = [...messages.values()].filter(
        (m) => m.channel === a.channel && (!m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast) && Number(m.ts) > Number(a.oldest ?? 0),
      );
      return { messages: list.reverse().map((m) => shown(m, a.include_all_metadata)), has_more: false };
    },
    'conversations.replies': (a) => {
      const parent = messages.get(String(a.ts));
      if (!parent || parent.channel !== a.channel) return { ok: false, error: 'thread_not_found' };
      const replies = [...messages.values()].filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts && Number(m.ts) > Number(a.oldest ?? 0));
      return { messages: [parent, ...replies].map((m) => shown(m, a.include_all_metadata)), has_more: false };
    },
    'conversations.list': (a) => {
      // https://docs.slack.dev/reference/methods/conversations.list: a page of channels and the cursor of the next ('' at the end).
      const all = [...channels.entries()].map(([name, id]) => ({ id, name, is_channel: true, is_archived: false }));
      const from = a.cursor ? Number(Buffer.from(String(a.cursor), 'base64').toString('utf8').replace('next:', '')) : 0;
      const size = Math.min(Number(a.limit ?? 100), listing.pageSize);
      const next = from + size < all.length ? Buffer.from(`next:${from + size}`).toString('base64') : '';
      return { channels: all.slice(from, from + size), response_metadata: { next_cursor: next } };
    },
    'usergroups.users.list': (a) => {
      const users = userGroups[String(a.usergroup)];
      return users ? { users } : { ok: false, error: 'no_such_subteam' };
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await buffer(req);
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith('/upload/v1/')) {
      const id = url.pathname.slice('/upload/v1/'.length);
      const want = pending.get(id);
      if (!want) return void res.writeHead(404).end();
      uploads.set(id, { filename: want.filename, content: raw.toString('utf8') });
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
    }
    if (url.pathname.startsWith('/respond/')) {
      responses.push({ id: url.pathname.slice('/respond/'.length), body: JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown> });
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseArgs(raw, String(req.headers['content-type'] ?? ''));
    const authorized = req.headers.authorization === `Bearer ${opts.token}` || args.token === opts.token;
    const call: SlackCall = { method, args, authorized, answer: 'ok', at: Date.now() };
    calls.push(call);
    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    if (!authorized) {
      call.answer = req.headers.authorization || args.token ? 'invalid_auth' : 'not_authed';
      return void send(200, { ok: false, error: call.answer });
    }
    const script = scripted.get(method)?.[0];
    if (script) {
      if (--script.times <= 0) scripted.get(method)!.shift();
      if (script.kind === '429') {
        call.answer = '429';
        return void send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(script.value) });
      }
      call.answer = String(script.value);
      return void send(200, { ok: false, error: script.value });
    }
    const channelError = method.startsWith('chat.') ? channelErrors.get(String(args.channel)) : undefined;
    if (channelError) {
      call.answer = channelError;
      return void send(200, { ok: false, error: channelError });
    }
    const impl = methods[method];
    if (!impl) {
      call.answer = 'unknown_method';
      return void send(200, { ok: false, error: 'unknown_method' });
    }
    if (method === 'chat.postMessage' && opts.postsPerChannelPerSecond && args.channel) {
      const now = Date.now();
      const recent = (recentPosts.get(String(args.channel)) ?? []).filter((t) => t > now - 1000);
      if (recent.length >= opts.postsPerChannelPerSecond.burst) {
        call.answer = '429';
        return void send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      }
      recent.push(now);
      recentPosts.set(String(args.channel), recent);
    }
    const out = impl(args);
    if (out.ok === false) call.answer = String(out.error);
    const hold = method === 'chat.postMessage' && out.ok !== false ? holds.shift() : undefined;
    if (hold) await hold(messages.get(String(out.ts))!);
    send(200, { ok: true, ...out, ...(out.ok === false ? { ok: false } : {}) });
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const add = (method: string, s: Scripted) => scripted.set(method, [...(scripted.get(method) ?? []), s]);
  return {
    url: `${origin}/api/`,
    origin,
    calls,
    messages,
    responses,
    uploads,
    userGroups,
    channels,
    get listPageSize() {
      return listing.pageSize;
    },
    set listPageSize(n: number) {
      listing.pageSize = n;
    },
    channelErrors,
    failNext: (method, error, times = 1) => add(method, { kind: 'error', value: error, times }),
    rateLimitNext: (method, seconds, times = 1) => add(method, { kind: '429', value: seconds, times }),
    responseUrl: (id) => `${origin}/respond/${id}`,
    holdNextPost: () =>
      new Promise((held) => {
        holds.push(
          (message) =>
            new Promise<void>((release) => {
              held({ message, release });
            }),
        );
      }),
    callsOf: (method) => calls.filter((c) => c.method === method),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A message as conversations.history / replies show it; metadata only when asked for. */
function shown(m: PostedMessage, includeMetadata: unknown): Record<string, unknown> {
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(m.reply_broadcast ? { subtype: 'thread_broadcast' } : {}),
    ...(m.metadata && String(includeMetadata) === 'true' ? { metadata: m.metadata } : {}),
  };
}

function parseArgs(raw: Buffer, contentType: string): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (contentType.startsWith('application/json')) return JSON.parse(text || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = JSON_FIELDS.has(k) ? (JSON.parse(v) as unknown) : v;
  return out;
}
