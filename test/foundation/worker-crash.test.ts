import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { aliceAdminConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { slowGitPath } from '../support/slow-git.js';

const CONFIG = aliceAdminConfig();

describe('a worker killed with SIGKILL mid-job', () => {
  let redis: TestRedis;
  let client: Redis;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    client.disconnect();
    await redis.close();
  });

  it('is recovered by another worker and finishes exactly once', async () => {
    // Lock of 2 s: a dead worker's job is taken over within seconds instead of 30.
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: CONFIG, OPSBOT_JOB_LOCK_MS: '2000', LOG_LEVEL: 'info', PORT: '0' });
    const doomed = new OpsbotProcess(['worker'], { env: { ...env, PATH: slowGitPath(30) } });
    procs.push(doomed);
    await doomed.waitFor(/opsbot started/, { stream: 'stderr' });

    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice', '--exec', '/diagnose'], { env });
    procs.push(chat);
    const [, id] = await chat.waitFor(/Queued as job (\d+)/);
    // The doomed worker has the job: it reported progress and is now stuck in its slow git.
    await chat.waitFor(/Checking Redis, git and Terraform/);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const rescuer = new OpsbotProcess(['worker'], { env });
    procs.push(rescuer);
    expect(await chat.exited).toBe(0);

    const finals = chat.stdout.match(/✔ Diagnosis/g) ?? [];
    expect(finals).toHaveLength(1);
    expect(chat.stdout).toContain(`Worker: pid ${rescuer.pid},`);
    const audit = await client.xrange('opsbot:audit', '-', '+');
    const outcomes = audit.map(([, f]) => f).filter((f) => f.includes('job.diagnose') && f[f.indexOf('job') + 1] === id);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toContain('succeeded');
  });
});
