import { DeliveryError } from '../../../jobs/outbox.js';

/** Errors Slack answers with `ok: false` that a retry can cure; every other one is permanent. */
const TRANSIENT_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** What a person can do about the common permanent errors (https://docs.slack.dev/reference/methods/chat.postMessage#errors). */
const ADVICE: Record<string, string> = {
  channel_not_found: 'the channel does not exist or opsbot cannot see it (a private channel needs opsbot invited)',
  not_in_channel: 'opsbot is not a member of this channel: /invite @opsbot',
  is_archived: 'the channel is archived',
  invalid_auth: 'the bot token is not valid (SLACK_BOT_TOKEN)',
  not_authed: 'no bot token was sent (SLACK_BOT_TOKEN)',
  account_inactive: 'the bot token belongs to a deactivated app or user',
  token_revoked: 'the bot token was revoked: reinstall the app',
  missing_scope: 'the app lacks a scope: reinstall it from slack-app-manifest.yaml',
  msg_too_long: 'the message is longer than Slack accepts',
  invalid_blocks: 'Slack refused the message layout (invalid_blocks)',
};

/** The parts of @slack/web-api's coded errors we branch on (codes from its `ErrorCode` enum). */
interface WebApiErrorShape {
  code?: string;
  data?: { error?: string; response_metadata?: { messages?: string[] } };
  retryAfter?: number;
  statusCode?: number;
  message?: string;
}

/** The Slack error code of a failed call (`channel_not_found`), if Slack answered one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as WebApiErrorShape;
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}

/**
 * The call had no effect: Slack refused it (rate limit, `ok: false`), or it was never made
 * because a rate limit Slack stated still holds (a DeliveryError with a wait). Network errors and
 * timeouts leave that in doubt.
 */
export function slackAnswered(err: unknown): boolean {
  if (err instanceof DeliveryError) return err.opts.retryAfterMs !== undefined;
  const code = (err as WebApiErrorShape)?.code;
  return code === 'slack_webapi_rate_limited_error' || code === 'slack_webapi_platform_error';
}

/**
 * A Web API failure → the delivery loop's vocabulary: 429 with Retry-After → retry after that
 * long; 5xx, network and transient `ok:false` → retry with backoff; any other `ok:false`
 * (channel_not_found, not_in_channel, invalid_auth…) → permanent, with words a person can act on.
 */
export function toDeliveryError(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as WebApiErrorShape;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new DeliveryError(`Slack rate-limited ${what}; retrying after ${e.retryAfter ?? 1} s`, { retryAfterMs: (e.retryAfter ?? 1) * 1000 });
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (TRANSIENT_ERRORS.has(code)) return new DeliveryError(`Slack answered ${code} to ${what}`);
      const advice = ADVICE[code];
      return new DeliveryError(`Slack refused ${what}: ${code}${advice ? ` — ${advice}` : ''}`, { permanent: true });
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      // Slack's Web API uses no status codes besides 200 and 429; a 4xx here will not cure itself.
      return new DeliveryError(`Slack answered HTTP ${status} to ${what}`, { permanent: status >= 400 && status < 500 });
    }
    default:
      return new DeliveryError(`${what} failed: ${e.message ?? String(err)}`);
  }
}
