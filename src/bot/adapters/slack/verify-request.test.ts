import { describe, expect, it } from 'vitest';
import { signatureOf, verifySlackRequest } from './verify-request.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'token=x&team_id=T1&command=%2Fdeploy&text=web+1.2+prod';
const now = 1_700_000_000_000;
const ts = String(now / 1000);
const good = `v0=${signatureOf(secret, ts, body)}`;

describe('verifySlackRequest', () => {
  it.each([
    ['a correctly signed request', { timestamp: ts, signature: good }, { ok: true }],
    ['the same bytes as a Buffer', { timestamp: ts, signature: good, rawBody: Buffer.from(body) }, { ok: true }],
    [
      'a timestamp 4 minutes old',
      { timestamp: String(now / 1000 - 240), signature: `v0=${signatureOf(secret, String(now / 1000 - 240), body)}` },
      { ok: true },
    ],
    ['no signature', { timestamp: ts, signature: undefined }, { ok: false, reason: 'missing headers' }],
    ['no timestamp', { timestamp: undefined, signature: good }, { ok: false, reason: 'missing headers' }],
    ['a forged signature', { timestamp: ts, signature: `v0=${'0'.repeat(64)}` }, { ok: false, reason: 'bad signature' }],
    ['a signature of a short length', { timestamp: ts, signature: 'v0=abc' }, { ok: false, reason: 'bad signature' }],
    ['another secret', { timestamp: ts, signature: `v0=${signatureOf('other', ts, body)}` }, { ok: false, reason: 'bad signature' }],
    ['a body changed after signing', { timestamp: ts, signature: good, rawBody: `${body}+&` }, { ok: false, reason: 'bad signature' }],
    [
      'a replay 6 minutes later',
      { timestamp: String(now / 1000 - 360), signature: `v0=${signatureOf(secret, String(now / 1000 - 360), body)}` },
      { ok: false, reason: 'stale timestamp' },
    ],
    [
      'a timestamp from the future',
      { timestamp: String(now / 1000 + 360), signature: `v0=${signatureOf(secret, String(now / 1000 + 360), body)}` },
      { ok: false, reason: 'stale timestamp' },
    ],
    ['a timestamp that is not a number', { timestamp: '1e9', signature: good }, { ok: false, reason: 'bad timestamp' }],
  ])('%s', (_name, over, expected) => {
    expect(verifySlackRequest({ signingSecret: secret, rawBody: body, nowMs: now, ...over })).toEqual(expected);
  });
});
