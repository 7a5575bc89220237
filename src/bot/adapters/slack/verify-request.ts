import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack signs `v0:<timestamp>:<raw body>` with HMAC-SHA256 and refuses requests older than 5 minutes. */
export const MAX_REQUEST_AGE_MS = 5 * 60_000;

export interface SlackRequestToVerify {
  signingSecret: string;
  /** The body exactly as received: the signature covers the bytes, not a re-serialised object. */
  rawBody: Buffer | string;
  /** `X-Slack-Request-Timestamp` (seconds since the epoch). */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex>`. */
  signature: string | undefined;
  nowMs: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing headers' | 'bad timestamp' | 'stale timestamp' | 'bad signature' };

/**
 * Slack's request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256(signing secret, `v0:` + timestamp + `:` + body), compared in
 * constant time; a timestamp more than 5 minutes off either way is a replay.
 * Pure: no clock, no I/O — the caller passes the time.
 */
export function verifySlackRequest(req: SlackRequestToVerify): VerifyResult {
  if (!req.timestamp || !req.signature) return { ok: false, reason: 'missing headers' };
  if (!/^\d{1,12}$/.test(req.timestamp)) return { ok: false, reason: 'bad timestamp' };
  if (Math.abs(req.nowMs - Number(req.timestamp) * 1000) > MAX_REQUEST_AGE_MS) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(`v0=${signatureOf(req.signingSecret, req.timestamp, req.rawBody)}`, 'utf8');
  const given = Buffer.from(req.signature, 'utf8');
  // timingSafeEqual throws on different lengths; the length of a hex digest is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/** The hex HMAC of one request, as Slack computes it (also what tests sign with). */
export function signatureOf(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}
