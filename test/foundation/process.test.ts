import { chmodSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { aliceAdminConfig, tempDir, writeConfig } from '../support/config.js';
import { get } from '../support/http.js';
import { redisServersFor } from '../support/home-redis.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { slowGitPath } from '../support/slow-git.js';

const CONFIG = aliceAdminConfig();

describe('opsbot processes', () => {
  let redis: TestRedis;
  const procs: OpsbotProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
  });

  it('opsbot start serves /healthz, /readyz and /metrics with command, job and queue figures', async () => {
    const port = await freePort();
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: CONFIG, LOG_LEVEL: 'info' });
    const bot = new OpsbotProcess(['start', '--no-console'], { env: { ...env, PORT: String(port) } });
    procs.push(bot);
    await bot.waitFor(/opsbot started/, { stream: 'stderr' });
    const base = `http://127.0.0.1:${port}`;
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, text: '{"status":"ok"}' });
    const ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', checks: { redis: true, workers: true } });

    // Before any job: every kind's outcomes at 0 (so "no job finished in 10 m" is 0, not no
    // data), and Node.js's own metrics under the names common dashboards expect.
    const fresh = (await get(`${base}/metrics`)).text;
    expect(fresh).toMatch(/^opsbot_jobs_total\{kind="deploy",state="succeeded"\} 0$/m);
    expect(fresh).toMatch(/^opsbot_jobs_total\{kind="apply",state="failed"\} 0$/m);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(fresh).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(fresh).not.toMatch(/opsbot_process_|opsbot_nodejs_/);

    const res = await runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', '/diagnose'], { env });
    expect(res.code).toBe(0);
    const metrics = (await get(`${base}/metrics`)).text;
    expect(metrics).toContain('# TYPE opsbot_commands_total counter');
    expect(metrics).toMatch(/opsbot_jobs_total\{kind="diagnose",state="succeeded"\} 1/);
    expect(metrics).toMatch(/opsbot_job_duration_seconds_count\{kind="diagnose"\} 1/);
    expect(metrics).toMatch(/opsbot_queue_depth\{queue="diagnose",state="completed"\} \d+/);
    expect(metrics).toMatch(/opsbot_queue_depth\{queue="diagnose",state="waiting"\} 0/);
    expect(await bot.stop()).toBe(0);
  });

  it('SIGTERM lets the running job finish, then exits 0', async () => {
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: CONFIG, LOG_LEVEL: 'info', PORT: '0' });
    const worker = new OpsbotProcess(['worker'], { env: { ...env, PATH: slowGitPath(3) } });
    procs.push(worker);
    await worker.waitFor(/opsbot started/, { stream: 'stderr' });
    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice', '--exec', '/diagnose'], { env });
    procs.push(chat);
    await chat.waitFor(/Checking Redis, git and Terraform/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, `${worker.child.signalCode} ${worker.stderr}`).toBe(0);
    expect(await chat.exited).toBe(0);
    expect(chat.stdout).toContain(`Worker: pid ${worker.pid},`);
    expect(worker.stderr).toContain('opsbot stopped');
  });

  it('a worker that cannot reach Redis exits non-zero with a clear message', async () => {
    const port = await freePort();
    const res = await runOpsbot(['worker'], {
      env: baseEnv({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: '1000', PORT: '0' }),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`opsbot: opsbot could not start: Redis at redis://127\\.0\\.0\\.1:${port}/? is unreachable`));
  });

  it('opsbot bot and worker refuse to start without REDIS_URL (they must share one)', async () => {
    const res = await runOpsbot(['worker'], { env: baseEnv({ PORT: '0' }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('REDIS_URL is not set');
  });
});

describe('the embedded default', () => {
  it('starts a private redis-server, keeps its data across restarts, and stops it on exit', async () => {
    const home = tempDir('opsbot-home-');
    const env = baseEnv({ OPSBOT_HOME: home, OPSBOT_CONFIG: CONFIG });
    const first = await runOpsbot(['console', '--as', 'alice', '--exec', '/diagnose'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(home, 'redis', 'appendonlydir'))).toBe(true);
    // The last (only) process waits for the keeper to stop it before exiting.
    expect(redisServersFor(home)).toEqual([]);
    expect(existsSync(join(home, 'redis', 'keeper.json'))).toBe(false);

    const second = await runOpsbot(['console', '--as', 'alice', '--exec', '/jobs'], { env });
    expect(second.stdout).toMatch(/\b1\s+diagnose\s+succeeded\s+worker\s+console:alice/);
  });

  it('with no redis-server on PATH and no REDIS_URL, exits 2 naming both ways out', async () => {
    const bin = tempDir('opsbot-path-');
    mkdirSync(join(bin, 'x'));
    symlinkSync(process.execPath, join(bin, 'node'));
    chmodSync(bin, 0o755);
    const res = await runOpsbot(['console', '--exec', '/help'], { env: baseEnv({ PATH: bin, OPSBOT_HOME: tempDir(), OPSBOT_CONFIG: CONFIG }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no REDIS_URL is set and no redis-server is on PATH');
    expect(res.stderr).toContain('apt-get install -y redis-server');
    expect(res.stderr).toContain('REDIS_URL=redis://host:6379');
  });

  it('a bad config stops start with exit 2 and the field path', async () => {
    const bad = writeConfig('workers: { concurrency: -1 }\n');
    const res = await runOpsbot(['start'], { env: baseEnv({ OPSBOT_CONFIG: bad }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/workers\.concurrency: .*>=1/);
  });

  it('check-config reports every problem, one line each, exit 2; and says valid for a good file', async () => {
    const bad = writeConfig('colour: blue\nworkers: { concurrency: "two" }\naccess: { rules: [ { subjects: ["group:ops"], actions: [deploy] } ] }\n');
    const res = await runOpsbot(['check-config', '--config', bad]);
    expect(res.code).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines[0]).toBe(`opsbot: ${bad}: invalid configuration`);
    // Undefined names are reported in the same round as the schema problems, not after them.
    expect(lines.slice(1).sort()).toEqual(
      [
        '  (file): unknown key "colour"',
        '  workers.concurrency: must be number, got string',
        '  access.rules.0.subjects.0: group "ops" is not defined under groups (defined: none)',
      ].sort(),
    );
    const refs = await runOpsbot([
      'check-config',
      '--config',
      writeConfig('access: { rules: [ { subjects: ["group:ops"], actions: [deploy] } ] }\n'),
    ]);
    expect(refs.stderr).toContain('access.rules.0.subjects.0: group "ops" is not defined under groups');
    const good = await runOpsbot(['check-config', '--config', CONFIG]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(': valid');
  });
});
