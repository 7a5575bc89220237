import { createHmac, randomBytes } from 'node:crypto';

/**
 * Requests exactly as Slack sends them to a request URL: slash commands form-encoded,
 * interactivity as a form with one `payload` field of JSON, both signed with
 * `v0=HMAC-SHA256(secret, "v0:<ts>:<body>")` in X-Slack-Signature. The signing is written here
 * independently of opsbot's verify-request.ts, so the test checks it rather than mirrors it.
 */
export const TEAM = 'T0EXAMPLE';
export const CHANNEL = 'C0DEPLOYS';

export function slashCommandBody(o: {
  command: string;
  text: string;
  user?: string;
  userName?: string;
  channel?: string;
  team?: string;
  responseUrl: string;
  triggerId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: o.team ?? TEAM,
    team_domain: 'example',
    channel_id: o.channel ?? CHANNEL,
    channel_name: 'deploys',
    user_id: o.user ?? 'U0ALICE',
    user_name: o.userName ?? 'alice',
    command: o.command,
    text: o.text,
    api_app_id: 'A0OPSBOT',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
  }).toString();
}

export interface ClickedMessage {
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
}

/** A block_actions payload for a click on the button whose value is `value` in `message`. */
export function buttonClickBody(o: {
  message: ClickedMessage;
  value: string;
  user?: string;
  userName?: string;
  channel?: string;
  team?: string;
  responseUrl: string;
  triggerId?: string;
}): string {
  const button = findButton(o.message.blocks, o.value);
  const user = o.user ?? 'U0BOB';
  const payload = {
    type: 'block_actions',
    user: { id: user, username: o.userName ?? 'bob', name: o.userName ?? 'bob', team_id: o.team ?? TEAM },
    api_app_id: 'A0OPSBOT',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: o.message.ts, channel_id: o.channel ?? CHANNEL, is_ephemeral: false },
    trigger_id: o.triggerId ?? `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`,
    team: { id: o.team ?? TEAM, domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channel ?? CHANNEL, name: 'deploys' },
    message: {
      type: 'message',
      user: 'U0OPSBOT',
      bot_id: 'B0OPSBOT',
      text: o.message.text,
      ts: o.message.ts,
      ...(o.message.thread_ts ? { thread_ts: o.message.thread_ts } : {}),
      blocks: o.message.blocks,
    },
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [
      {
        action_id: button?.action_id ?? 'opsbot-button-0',
        block_id: 'b1',
        text: button?.text ?? { type: 'plain_text', text: 'Approve', emoji: true },
        value: o.value,
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

interface ButtonElement {
  action_id: string;
  value: string;
  text: { type: string; text: string };
}

export function findButton(blocks: unknown[], value: string): ButtonElement | undefined {
  for (const b of blocks as { type: string; elements?: ButtonElement[] }[]) {
    const hit = b.type === 'actions' ? b.elements?.find((e) => e.value === value) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackPost {
  status: number;
  text: string;
  json?: { response_type?: string; text?: string; blocks?: unknown[] };
  ms: number;
}

/** POST a body to /slack/events signed as Slack would (or with the given timestamp / signature). */
export async function postToSlackEvents(
  base: string,
  body: string,
  o: { secret: string; timestamp?: number; signature?: string; retryNum?: number },
): Promise<SlackPost> {
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': o.signature ?? sign(o.secret, ts, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (o.retryNum !== undefined) Object.assign(headers, { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': 'http_timeout' });
  const started = performance.now();
  const res = await fetch(`${base}/slack/events`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: SlackPost['json'];
  try {
    json = text ? (JSON.parse(text) as SlackPost['json']) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, ms };
}
