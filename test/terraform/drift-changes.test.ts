import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { TOFU, haveTofu, infraConfig, planIdOf, stackRepo, tofuBehindTheBack } from './stacks.js';

/**
 * Drift that speaks only when it changes, against real tofu: the stack's `notify` destination
 * hears drift once when it appears, nothing while it stays the same, once when it is gone.
 */
describe.skipIf(!haveTofu)('drift reports only on change (real tofu)', () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  const repo = stackRepo();
  const config = infraConfig({ watched: { repo, dir: 'infra', notify: 'console' } });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-') });
  });
  afterAll(async () => {
    client.disconnect();
    await redis?.close();
  });

  const exec = (as: string, line: string) => runOpsbot(['console', '--as', as, '--exec', line], { env, timeoutMs: 90_000 });
  /** Titles of what reached the notify destination (the console's notification stream). */
  const posted = async () => (await client.xrange('opsbot:outbox:console:notifications', '-', '+')).map(([, f]) => (JSON.parse(f[1]!) as { message: { title?: string } }).message.title);
  const drift = async (expected: string) => {
    const res = await exec('alice', '/infra drift watched');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain(expected);
  };

  it('posted once when it appears, silent while unchanged, once when gone', async () => {
    const planned = await exec('alice', '/infra plan watched');
    expect((await exec('bob', `/infra apply ${planIdOf(planned.stdout)}`)).code).toBe(0);
    await drift('no drift on watched');
    expect(await posted()).toEqual([]);

    const dir = join(repo, 'infra');
    tofuBehindTheBack(dir, ['init', '-input=false']);
    tofuBehindTheBack(dir, ['apply', '-input=false', '-auto-approve', '-var', 'replicas=1']);
    await drift('drift on watched found (reported)');
    await drift('drift on watched unchanged since it was reported (not posted again)');
    expect(await posted()).toEqual(['Drift on stack watched: the infrastructure does not match its code']);

    tofuBehindTheBack(dir, ['apply', '-input=false', '-auto-approve']);
    await drift('drift on watched is gone (reported)');
    await drift('no drift on watched');
    expect(await posted()).toEqual(['Drift on stack watched: the infrastructure does not match its code', 'Drift on stack watched is gone']);
  }, 400_000);
});
