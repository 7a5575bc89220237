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

describe('redaction by structure', () => {
  const JSON_SECRET = '{"clientId": "app-4711", "clientSecret": "Qx7~long.secret-value"}';
  const MULTI = '-----BEGIN CERT-----\nMIIBszCCAVmgAwIBAgIUQ\nZZZ9secondline\n-----END CERT-----';
  const QUOTED = 'pa"ss\\word-42';

  it('knows the leaves of a JSON secret and the lines of a multi-line one', () => {
    const r = new Redactor([JSON_SECRET, MULTI]);
    // how tofu renders them in a plan: an HCL object, an indented heredoc
    const plan =
      '+ input = {\n    + clientId     = "app-4711"\n    + clientSecret = "Qx7~long.secret-value"\n  }\n+ cert = <<-EOT\n      MIIBszCCAVmgAwIBAgIUQ\n      ZZZ9secondline\n  EOT';
    const out = r.redact(plan);
    for (const leaked of ['app-4711', 'Qx7~long.secret-value', 'MIIBszCCAVmgAwIBAgIUQ', 'ZZZ9secondline']) expect(out).not.toContain(leaked);
    expect(out).toContain('clientSecret = "[redacted]"');
  });

  it('finds a secret with " or \\ raw, JSON-escaped and HCL-escaped', () => {
    const r = new Redactor([QUOTED]);
    expect(r.redact(`raw ${QUOTED}`)).toBe('raw [redacted]');
    expect(r.redact(JSON.stringify({ v: QUOTED }))).toBe('{"v":"[redacted]"}');
    expect(r.redactValue({ v: `x ${QUOTED} y` })).toEqual({ v: 'x [redacted] y' });
  });

  it('a secret equal to "true" leaves booleans, keys and kept fields (a button action, its words) alone: JSON stays JSON', () => {
    const r = new Redactor(['true', 'success', 'abcdefgh']);
    const event = {
      conversation: { platform: 'console', channel: 'c1' },
      key: 'job:1',
      final: 'succeeded',
      threaded: true,
      message: { status: 'success', text: 'it is true', buttons: [{ action: { command: 'infra apply', args: ['abcdefgh'] }, label: 'true' }] },
    };
    const keep = new Set(['platform', 'channel', 'key', 'final', 'status', 'command', 'args']);
    const out = r.redactValue(event, keep);
    expect(out.threaded).toBe(true);
    expect(out.message.status).toBe('success');
    expect(out.message.text).toBe('it is [redacted]');
    expect(out.message.buttons[0]).toEqual({ action: { command: 'infra apply', args: ['abcdefgh'] }, label: '[redacted]' });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('a log line stays JSON whatever the secret is', () => {
    const r = new Redactor(['true', QUOTED]);
    const line = `${JSON.stringify({ level: 30, ok: true, msg: `password ${QUOTED} is true` })}\n`;
    const out = r.redactJsonLine(line);
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ level: 30, ok: true, msg: 'password [redacted] is [redacted]' });
    expect(r.redactJsonLine('not json: true')).toBe('not json: [redacted]');
  });
});
