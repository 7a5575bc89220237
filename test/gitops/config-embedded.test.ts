import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { git } from './bare-repo.js';

/** The embedded default out of the box (no opsbot.yaml): the example apps say where their configuration lives. */
describe('/config on the embedded default', () => {
  let redis: TestRedis;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedis();
    home = await mkdtemp(join(tmpdir(), 'opsbot-config-home-'));
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_HOME: home });
  });
  afterAll(async () => {
    await redis.close();
    await rm(home, { recursive: true, force: true });
  });

  const chat = (line: string) => runOpsbot(['console', '--exec', line], { env, timeoutMs: 60_000 });
  const bare = () => join(home, 'gitops.git');

  it('/config worker lists LOG_LEVEL; /config worker set LOG_LEVEL=debug commits one line to the seeded repository', async () => {
    const listed = await chat('/config worker');
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/LOG_LEVEL +info/);
    const set = await chat('/config worker set LOG_LEVEL=debug');
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(await git(bare(), 'diff', '--numstat', 'main~1', 'main')).toBe('1\t1\tapps/worker/deployment.yaml');
    expect(await git(bare(), 'log', '-1', '--format=%s', 'main')).toBe('config(worker): set LOG_LEVEL [prod]');
    for (const [line, shows] of [
      ['/config api', /LOG_LEVEL +info/],
      ['/config web staging', /LOG_LEVEL +debug/],
    ] as const) {
      const res = await chat(line);
      expect(res.code, res.stdout).toBe(0);
      expect(res.stdout).toMatch(shows);
    }
  }, 240_000);
});
