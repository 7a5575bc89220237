import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { redisServersFor, waitUntil } from '../support/home-redis.js';
import { startRedis } from '../support/redis.js';
import { slowGitPath } from '../support/slow-git.js';

const GRACE_S = 12;
const CONFIG = writeConfig(
  `access:\n  rules:\n    - subjects: ["console:*"]\n      actions: [admin]\nworkers: { concurrency: 2, shutdownGrace: ${GRACE_S}s }\n`,
);

/** SIGTERM as systemd (KillMode=control-group) or `kill -- -<pgid>` sends it: to the whole group. */
describe('shutdown of opsbot start, bounded by workers.shutdownGrace', () => {
  const procs: OpsbotProcess[] = [];
  const spawnOpsbot = (args: string[], env: NodeJS.ProcessEnv, detached = false) => {
    const p = new OpsbotProcess(args, { env, detached });
    procs.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });
  // --no-workers: with REDIS_URL a console runs workers by default; here only start does.
  const diagnose = (env: NodeJS.ProcessEnv, n: number) =>
    Array.from({ length: n }, (_, i) => spawnOpsbot(['console', '--no-workers', '--as', `u${i}`, '--exec', '/diagnose'], env));

  it('SIGTERM to the process group: the running jobs finish, the waiting ones stay queued, exit 0 within the grace; the embedded Redis outlives it', async () => {
    const home = tempDir('opsbot-home-');
    const env = baseEnv({ OPSBOT_HOME: home, OPSBOT_CONFIG: CONFIG, PORT: '0', LOG_LEVEL: 'info' });
    const start = spawnOpsbot(['start', '--no-console'], { ...env, PATH: slowGitPath(4) }, true);
    await start.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    const execs = diagnose(env, 4);
    await Promise.all(execs.map((e) => e.waitFor(/Queued as job \d+/, { timeoutMs: 60_000 })));
    await waitUntil(() => execs.filter((e) => e.stdout.includes('Checking Redis')).length === 2, 'two jobs running', 60_000);

    const t0 = Date.now();
    process.kill(-start.pid, 'SIGTERM');
    expect(await start.exited, start.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(GRACE_S * 1000);
    const [running, waiting] = [execs.filter((e) => e.stdout.includes('Checking Redis')), execs.filter((e) => !e.stdout.includes('Checking Redis'))];
    expect(running).toHaveLength(2);
    for (const e of running) {
      expect(await e.exited, e.stdout + e.stderr).toBe(0);
      expect(e.stdout).toContain(`Worker: pid ${start.pid},`);
    }
    // Accepted but not started: still queued, in the Redis that the group's signal did not reach.
    expect(waiting.map((e) => e.child.exitCode)).toEqual([null, null]);
    expect(redisServersFor(home)).toHaveLength(1);

    const again = spawnOpsbot(['start', '--no-console'], env);
    for (const e of waiting) {
      expect(await e.exited, e.stdout + e.stderr).toBe(0);
      expect(e.stdout).toContain(`Worker: pid ${again.pid},`);
    }
    expect(await again.stop()).toBe(0);
    await waitUntil(() => redisServersFor(home).length === 0, 'the embedded redis-server to stop after the last process');
  }, 180_000);

  it('Redis gone at the same moment: exits within the grace anyway; the interrupted job runs again when Redis is back', async () => {
    const redis = await startRedis();
    try {
      const env = baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: CONFIG,
        PORT: '0',
        LOG_LEVEL: 'info',
        OPSBOT_JOB_LOCK_MS: '4000',
        OPSBOT_HOME: tempDir('opsbot-home-'),
      });
      const start = spawnOpsbot(['start', '--no-console'], { ...env, PATH: slowGitPath(6) }, true);
      await start.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
      const [exec] = diagnose({ ...env, PATH: process.env.PATH }, 1) as [OpsbotProcess];
      await exec.waitFor(/Checking Redis/, { timeoutMs: 60_000 });

      const t0 = Date.now();
      // SIGTERM to the process alone, as a container runtime sends it: a signal to the whole
      // group would also end the slow git at once, and the job could finish (and be reported)
      // in the instant before Redis is gone — a different test than this one.
      await Promise.all([redis.stop(), Promise.resolve(process.kill(start.pid, 'SIGTERM'))]);
      const code = await start.exited;
      expect(Date.now() - t0).toBeLessThan(GRACE_S * 1000 + 1500);
      expect(code).not.toBeNull();

      await redis.start();
      const again = spawnOpsbot(['start', '--no-console'], env);
      expect(await exec.exited, exec.stdout + exec.stderr).toBe(0);
      expect(exec.stdout).toContain(`Worker: pid ${again.pid},`);
      expect(await again.stop()).toBe(0);
    } finally {
      await redis.close();
    }
  }, 180_000);
});
