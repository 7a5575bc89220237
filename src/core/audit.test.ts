import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { AUDIT_FIELD_MAX, AuditLog } from './audit.js';
import { Redactor } from './redact.js';

/** The one call append makes, recorded. */
function recordingRedis() {
  const added: string[][] = [];
  const redis = { xadd: async (...args: string[]) => (added.push(args), '1-0') } as unknown as Redis;
  return { redis, added };
}

describe('audit entries are bounded', () => {
  it('caps every field after redaction, and the stream by MAXLEN', async () => {
    const { redis, added } = recordingRedis();
    const secret = 's3cr3t-value-0123456789';
    const log = new AuditLog(redis, new Redactor([secret]));
    await log.append({
      actor: 'slack:U1',
      platform: 'slack',
      action: 'command.unknown',
      target: `/${'w'.repeat(5000)}`,
      result: 'invalid',
      detail: `${secret} ${'d'.repeat(5000)}`,
    });
    const args = added[0]!;
    expect(args.slice(0, 4)).toEqual(['opsbot:audit', 'MAXLEN', '~', '100000']);
    const fields = Object.fromEntries(args.slice(5).flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]!]] : [])));
    expect(fields.target!.length).toBeLessThanOrEqual(AUDIT_FIELD_MAX);
    expect(fields.target).toMatch(/… \(5001 chars\)$/);
    expect(fields.detail!.length).toBeLessThanOrEqual(AUDIT_FIELD_MAX);
    expect(fields.detail).not.toContain(secret);
    expect(fields.action).toBe('command.unknown');
  });
});
