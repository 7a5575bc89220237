import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';

describe('Redactor', () => {
  it('removes values of secret-named environment variables', () => {
    const r = Redactor.fromEnv({ GITHUB_TOKEN: 'abcd1234secret', TF_VAR_db_password: 'hunter2hunter2', PATH: '/usr/bin', HOME: '/root' });
    expect(r.redact('token abcd1234secret and hunter2hunter2 in /usr/bin')).toBe('token [redacted] and [redacted] in /usr/bin');
  });

  it('removes token shapes it was never told about', () => {
    const r = new Redactor();
    expect(r.redact('xoxb-1234567890-abcdefghij')).toBe('[redacted]');
    expect(r.redact(`ghp_${'a'.repeat(36)}`)).toBe('[redacted]');
    expect(r.redact('https://x-access-token:ghs_abc@github.com/o/r.git')).toBe('https://[redacted]@github.com/o/r.git');
    expect(r.redact('123456789:AAH4rmk7yTQhKhW8FLdA8m_gY4m0iBLiGX0')).toBe('[redacted]');
  });

  it('ignores values too short to be secrets', () => {
    expect(new Redactor(['1', 'ab']).redact('a1b')).toBe('a1b');
  });
});
