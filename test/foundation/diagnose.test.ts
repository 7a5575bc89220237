import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { which } from '../../src/core/which.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { TOFU, haveTofu, SKIP_REASON } from '../terraform/stacks.js';

function whichOrFail(name: string): string {
  const found = which(name);
  if (!found) throw new Error(`${name} is not on PATH`);
  return found;
}

/** /diagnose tells the operator the Terraform CLI that jobs will actually run. */
describe('/diagnose names the Terraform CLI jobs run', () => {
  it.skipIf(!haveTofu)(
    `TF_BINARY pointing at a CLI named terraform: named, with its path${haveTofu ? '' : ` (skipped: ${SKIP_REASON})`}`,
    async () => {
      const bin = tempDir('opsbot-bin-');
      symlinkSync(TOFU, join(bin, 'terraform'));
      const res = await runOpsbot(['console', '--exec', '/diagnose'], {
        env: baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-'), TF_BINARY: join(bin, 'terraform') }),
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`Terraform CLI: OpenTofu v\\S+ \\(${join(bin, 'terraform').replaceAll('/', '\\/')}\\)`));
    },
  );

  it('without TF_BINARY, a CLI on PATH or the cached OpenTofu: "not found", never a CLI jobs would not run', async () => {
    const home = tempDir('opsbot-fakehome-');
    // A PATH with what opsbot needs and no terraform or tofu (this machine has both elsewhere).
    const bin = tempDir('opsbot-bin-');
    for (const [name, target] of [
      ['node', process.execPath],
      ['git', whichOrFail('git')],
      ['redis-server', whichOrFail('redis-server')],
    ] as const)
      symlinkSync(target, join(bin, name));
    const res = await runOpsbot(['console', '--exec', '/diagnose'], {
      env: baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-'), TF_BINARY: undefined, PATH: bin, HOME: home }),
    });
    expect(res.code, res.stderr).toBe(0);
    // HOME has no ~/.cache/opsbot: nothing to run, and /diagnose says so rather than naming a CLI.
    const cached = join(home, '.cache', 'opsbot', 'bin', 'tofu-v1.12.6');
    expect(existsSync(cached)).toBe(false);
    expect(res.stdout).toContain('Terraform CLI: not found (set TF_BINARY or put terraform/tofu on PATH)');
  });
});
