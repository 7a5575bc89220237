/**
 * The state lock held by another tofu process (a real `apply` busy in a local-exec
 * provisioner): `tofu plan -lock-timeout=0s` fails at once and reports who holds the lock.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { testenv, titled } from '../support/testenv.js';
import { eventually } from './helpers.js';

const env = testenv();

describe.skipIf(!env.tofu.available)(titled('tofu: state lock held by another process', env.tofu), () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-tofu-lock-'));
  const tofu = env.tofu.env.TF_BINARY ?? '';
  let holder: ResultPromise | undefined;
  afterAll(() => {
    // The holder and its `sleep` share a process group (detached): end both.
    if (holder?.pid) {
      try {
        process.kill(-holder.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan reports the lock holder (ID, operation, who) and exits non-zero', async () => {
    writeFileSync(
      join(dir, 'main.tf'),
      ['resource "terraform_data" "slow" {', '  provisioner "local-exec" {', '    command = "sleep 60"', '  }', '}', ''].join('\n'),
    );
    const opts = { cwd: dir, env: env.tofu.env, stdin: 'ignore' as const };
    await execa(tofu, ['init', '-input=false', '-no-color'], opts);
    holder = execa(tofu, ['apply', '-auto-approve', '-input=false', '-no-color'], { ...opts, detached: true, reject: false });
    const lockInfo = join(dir, '.terraform.tfstate.lock.info');
    await eventually('the apply to take the lock', async () => existsSync(lockInfo) && readFileSync(lockInfo, 'utf8').length > 0, 30_000);
    const lock = JSON.parse(readFileSync(lockInfo, 'utf8')) as { ID: string; Operation: string; Who: string };

    const t0 = Date.now();
    const plan = await execa(tofu, ['plan', '-input=false', '-no-color', '-lock-timeout=0s'], { ...opts, reject: false });
    expect(plan.exitCode).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(plan.stderr).toContain('Error acquiring the state lock');
    expect(plan.stderr).toContain(`ID:        ${lock.ID}`);
    expect(plan.stderr).toContain('Operation: OperationTypeApply');
    expect(plan.stderr).toContain(`Who:       ${lock.Who}`);
    expect(lock.Operation).toBe('OperationTypeApply');
  });
});
