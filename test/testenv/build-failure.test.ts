/**
 * A Go build that fails: a tofu release the module proxy does not serve. `up` must exit
 * non-zero naming the part and the command, and leave nothing running and nothing cached.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testenv, titled } from '../support/testenv.js';
import { processesMentioning, runTestenv } from './helpers.js';

// Needs what `npm run testenv` needs (go, the module proxy): skipped with the reason otherwise.
const env = testenv();

describe.skipIf(!env.tofu.available)(titled('testenv up: a Go build that fails', env.tofu), () => {
  const root = mkdtempSync(join(tmpdir(), 'opsbot-testenv-badbuild-'));
  const dir = join(root, 'state');
  const cache = join(root, 'cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exits non-zero naming tofu and the go command, with no process started and no binary cached', async () => {
    const r = await runTestenv(['up'], { OPSBOT_TESTENV_DIR: dir, OPSBOT_CACHE: cache, OPSBOT_TESTENV_TOFU_VERSION: 'v0.0.0-nonexistent' }, 300_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed in part [tofu]');
    expect(r.stderr).toContain('`go get -tool github.com/opentofu/opentofu/cmd/tofu@v0.0.0-nonexistent`');
    // The step log says which step failed, too.
    expect(r.all).toMatch(/✗ tofu v0\.0\.0-nonexistent — FAILED/);
    expect(processesMentioning(root)).toEqual([]);
    expect(existsSync(join(cache, 'bin')) ? readdirSync(join(cache, 'bin')) : []).toEqual([]);
    const state = existsSync(join(dir, 'state.json')) ? (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { procs: object }) : { procs: {} };
    expect(state.procs).toEqual({});
    expect(existsSync(join(dir, 'env'))).toBe(false);
  });

  it('down is safe when nothing runs', async () => {
    const r = await runTestenv(['down'], { OPSBOT_TESTENV_DIR: dir, OPSBOT_CACHE: cache });
    expect(r.exitCode).toBe(0);
    const none = await runTestenv(['down'], { OPSBOT_TESTENV_DIR: join(root, 'never-created'), OPSBOT_CACHE: cache });
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain('nothing to stop');
  });
});
