import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { Redactor } from './redact.js';

describe('log lines are redacted by structure', () => {
  it('a secret with " and \\ is removed; a secret equal to "true" leaves every line valid JSON', () => {
    const QUOTED = 'pa"ss\\word-42x';
    const file = join(mkdtempSync(join(tmpdir(), 'opsbot-log-')), 'log.jsonl');
    const fd = openSync(file, 'w');
    const log = createLogger({
      redactor: Redactor.fromEnv({ DB_PASSWORD: QUOTED, ODD_TOKEN: 'true' }),
      pretty: false,
      destination: fd,
      level: 'info',
    });
    log.info({ detail: `connect with ${QUOTED}`, ok: true, nested: { list: [QUOTED] } }, `password ${QUOTED} is true`);
    log.error({ err: new Error(`failed: ${QUOTED}`) }, 'boom');
    closeSync(fd);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(QUOTED);
    expect(text).not.toContain(JSON.stringify(QUOTED).slice(1, -1));
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      msg: 'password [redacted] is [redacted]',
      ok: true,
      detail: 'connect with [redacted]',
      nested: { list: ['[redacted]'] },
    });
    expect(JSON.stringify(lines[1])).toContain('failed: [redacted]');
  });
});
