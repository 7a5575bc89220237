import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../jobs/outbox.js';
import { slackAnswered, toDeliveryError } from './web-api-errors.js';

const platform = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });

describe('Web API failures → DeliveryError', () => {
  it.each([
    [
      '429 with Retry-After: 7',
      Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 }),
      { retryAfterMs: 7000 },
    ],
    ['channel_not_found', platform('channel_not_found'), { permanent: true }],
    ['not_in_channel', platform('not_in_channel'), { permanent: true }],
    ['invalid_auth', platform('invalid_auth'), { permanent: true }],
    ['internal_error (transient)', platform('internal_error'), {}],
    ['HTTP 503', Object.assign(new Error('503'), { code: 'slack_webapi_http_error', statusCode: 503 }), { permanent: false }],
    ['HTTP 404', Object.assign(new Error('404'), { code: 'slack_webapi_http_error', statusCode: 404 }), { permanent: true }],
    ['a network error', Object.assign(new Error('ECONNREFUSED'), { code: 'slack_webapi_request_error' }), {}],
  ])('%s', (_name, err, opts) => {
    const out = toDeliveryError(err, 'posting to C1');
    expect(out).toBeInstanceOf(DeliveryError);
    expect(out.opts).toEqual(opts);
  });

  it('says what to do about the common permanent errors', () => {
    expect(toDeliveryError(platform('not_in_channel'), 'posting to C1').message).toBe(
      'Slack refused posting to C1: not_in_channel — opsbot is not a member of this channel: /invite @opsbot',
    );
    expect(toDeliveryError(platform('channel_not_found'), 'posting to C1').message).toContain('the channel does not exist or opsbot cannot see it');
  });

  it('a call refused (or not made while a stated limit holds) had no effect; a network error leaves it in doubt', () => {
    expect(slackAnswered(Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 }))).toBe(true);
    expect(slackAnswered(platform('channel_not_found'))).toBe(true);
    expect(slackAnswered(new DeliveryError("Slack's chat.update limit holds for 12 s more", { retryAfterMs: 12_000 }))).toBe(true);
    expect(slackAnswered(new DeliveryError('uploading a.txt failed: HTTP 500'))).toBe(false);
    expect(slackAnswered(Object.assign(new Error('ECONNRESET'), { code: 'slack_webapi_request_error' }))).toBe(false);
  });
});
