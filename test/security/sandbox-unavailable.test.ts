import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { which } from '../../src/core/which.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { SKIP_REASON, TOFU, haveTofu, infraConfig, stackRepo } from '../terraform/stacks.js';

/**
 * A worker without bubblewrap: it says so at start, refuses every plan with the reason and the
 * way out (nothing run, no lock left), and runs plans again only when the config opts out —
 * which `check-config` then warns about.
 */
describe.skipIf(!haveTofu)(`where the sandbox cannot run${haveTofu ? '' : ` — skipped: ${SKIP_REASON}`}`, { timeout: SUITE_TIMEOUT }, () => {
  let redis: TestRedis;
  let client: Redis;
  // A PATH with git and nothing else: no bwrap.
  const bin = tempDir('opsbot-nobwrap-bin-');
  symlinkSync(which('git')!, join(bin, 'git'));
  const stacks = { local: { repo: stackRepo(), dir: 'infra' } };
  const strict = infraConfig(stacks);
  const optedOut = infraConfig(stacks, { terraform: { sandbox: false } });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const plan = (config: string) =>
    runOpsbot(['console', '--as', 'alice', '--exec', '/infra plan local'], {
      env: baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-'), PATH: bin }),
      timeoutMs: 120_000,
    });

  it('a clear warning at start, and every plan refused with the reason and the way out; no lock left', async () => {
    const res = await plan(strict);
    expect(res.stderr).toContain(
      'Terraform sandbox unavailable: bwrap (bubblewrap) is not installed on this worker (Debian/Ubuntu: apt-get install -y bubblewrap). Plans and applies will be refused until it works; or set terraform.sandbox: false',
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      "Terraform's sandbox cannot run on this worker: bwrap (bubblewrap) is not installed on this worker (Debian/Ubuntu: apt-get install -y bubblewrap). Install bubblewrap and allow user namespaces, or set terraform.sandbox: false in opsbot.yaml to run stack code unsandboxed. Nothing was run.",
    );
    expect(res.stdout).not.toContain('[Approve');
    expect(await client.exists('opsbot:lock:stack:local')).toBe(0);
    expect(await client.keys('opsbot:stack:local:plan')).toEqual([]);
  });

  it('terraform.sandbox: false runs it unsandboxed, and says so at start and in check-config', async () => {
    const res = await plan(optedOut);
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('✔ Plan for stack local');
    expect(res.stderr).toContain("terraform.sandbox is false: Terraform runs stacks' code unsandboxed");
    const check = await runOpsbot(['check-config', '--config', optedOut]);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain(
      "opsbot: warning: terraform.sandbox: false: stack code (whoever can push to a stack's branch) runs unsandboxed and can read the worker's memory, environment and files",
    );
  });
});
