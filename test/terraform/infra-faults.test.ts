import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { outboxStreams, startRedis, type TestRedis } from '../support/redis.js';
import { LOCAL_BACKEND, SLOW_TF, TOFU, haveTofu, infraConfig, planIdOf, stackRepo } from './stacks.js';

/** Concurrency, cancellation, a worker killed mid-apply, and scheduled drift checks. */
describe.skipIf(!haveTofu)('Terraform from chat: faults (real tofu)', () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  const procs: OpsbotProcess[] = [];
  const repos = {
    busy: stackRepo(),
    slow: stackRepo({ example: false, files: { 'slow.tf': SLOW_TF, 'backend.tf': LOCAL_BACKEND } }),
    doomed: stackRepo({ example: false, files: { 'slow.tf': SLOW_TF, 'backend.tf': LOCAL_BACKEND } }),
    drifty: stackRepo(),
    calm: stackRepo({ example: false, files: { 'backend.tf': LOCAL_BACKEND } }),
  };
  const config = infraConfig({
    busy: { repo: repos.busy, dir: 'infra', lockTimeout: '60s' },
    slow: { repo: repos.slow, dir: 'infra' },
    doomed: { repo: repos.doomed, dir: 'infra' },
  });
  const driftConfig = infraConfig({
    // Five-field cron: every minute, the finest a drift check can be scheduled.
    drifty: { repo: repos.drifty, dir: 'infra', driftCheck: '* * * * *' },
    calm: { repo: repos.calm, dir: 'infra', driftCheck: '* * * * *' },
  });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-') });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    client.disconnect();
    await redis.close();
  });

  const exec = (as: string, line: string, extra: NodeJS.ProcessEnv = {}) => runOpsbot(['console', '--as', as, '--exec', line], { env: { ...env, ...extra }, timeoutMs: 90_000 });
  const spawn = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const p = new OpsbotProcess(args, { env: { ...env, ...extra } });
    procs.push(p);
    return p;
  };

  it('two concurrent plans on one stack never overlap', async () => {
    const [a, b] = await Promise.all([exec('alice', '/infra plan busy'), exec('bob', '/infra plan busy')]);
    const outputs = [a, b];
    // Each either ran, or was told at once who holds the stack.
    for (const r of outputs) expect(r.stdout).toMatch(/✔ Plan for stack busy|Stack busy is busy: job \d+ \((alice|bob)\) has been planning it since/);
    expect(outputs.some((r) => r.stdout.includes('✔ Plan for stack busy'))).toBe(true);
    // The time each job held the stack (from taking the lock to its last word), from the outbox stream ids.
    const spans: [number, number][] = [];
    for (const key of await outboxStreams(client, 'opsbot:outbox:console:*')) {
      const entries = await client.xrange(key, '-', '+');
      const times = entries.filter(([, f]) => /plan stack busy|Checking out stack busy|Plan for stack busy/.test(f[1] ?? '')).map(([id]) => Number(id.split('-')[0]));
      const started = entries.find(([, f]) => (f[1] ?? '').includes('Checking out stack busy'));
      if (started && times.length) spans.push([Number(started[0].split('-')[0]), Math.max(...times)]);
    }
    expect(spans).toHaveLength(outputs.filter((r) => r.stdout.includes('✔ Plan for stack busy')).length);
    spans.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it('/cancel of a running apply stops tofu with SIGINT, says so, and the state lock is released', async () => {
    const planned = await exec('alice', '/infra plan slow');
    const id = planIdOf(planned.stdout);
    const chat = spawn(['console', '--as', 'bob', '--exec', `/infra apply ${id}`]);
    const [, job] = await chat.waitFor(/Queued as job (\d+): apply stack slow/);
    await chat.waitFor(/terraform_data\.slow: in progress/, { timeoutMs: 30_000 });
    const locks = await exec('bob', '/infra locks');
    expect(locks.stdout).toMatch(new RegExp(`Stack slow is busy: job ${job} \\(bob\\) has been applying it since`));
    const cancel = await exec('bob', `/cancel ${job}`);
    expect(cancel.stdout).toContain(`Job ${job} is running; it has been asked to stop.`);
    expect(await chat.exited).toBe(1);
    expect(chat.stdout).toContain('Cancelled: tofu stopped cleanly after SIGINT and released the state lock.');
    // The state lock really is free: a new plan runs (lock-timeout applies) and nothing is held.
    const after = await exec('alice', '/infra plan slow');
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toContain('state is locked');
    expect((await exec('alice', '/infra locks')).stdout).toContain('No stack is locked.');
  });

  it('a worker SIGKILLed during apply → "interrupted", not re-run', async () => {
    const planned = await exec('alice', '/infra plan doomed');
    const id = planIdOf(planned.stdout);
    const workerEnv = { OPSBOT_JOB_LOCK_MS: '2000', PORT: '0', LOG_LEVEL: 'info' };
    const doomedWorker = spawn(['worker'], workerEnv);
    await doomedWorker.waitFor(/opsbot started/, { stream: 'stderr' });
    const chat = spawn(['console', '--no-workers', '--as', 'bob', '--exec', `/infra apply ${id}`]);
    const [, job] = await chat.waitFor(/Queued as job (\d+): apply stack doomed/);
    await chat.waitFor(/terraform_data\.slow: in progress/, { timeoutMs: 30_000 });
    doomedWorker.child.kill('SIGKILL');
    await doomedWorker.exited;
    spawn(['worker'], workerEnv);
    expect(await chat.exited).toBe(1);
    expect(chat.stdout).toContain(`Job ${job} (apply stack doomed) was interrupted — state may be partly applied; state lock may remain.`);
    expect(chat.stdout.match(/Checking out commit|Applying plan/g) ?? []).toHaveLength(1); // started once, never again
    const audit = (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));
    expect(audit.filter((a) => a.includes('job.apply') && a.includes(`job ${job}`) && a.includes('interrupted'))).toHaveLength(1);
    expect(audit.some((a) => a.includes('job.apply') && a.includes(`job ${job}`) && a.includes('succeeded'))).toBe(false);
  });

  it('scheduled drift checks: silent without changes, a summary with a Plan button when there are', async () => {
    // Workers of the earlier tests share this Redis with another config (no such stacks): a drift
    // job one of them took would fail there. Only the drift worker may run now.
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    const worker = spawn(['worker'], { OPSBOT_CONFIG: driftConfig, PORT: '0', LOG_LEVEL: 'info' });
    // With no notification route, drift goes to the console's notifications (what a console shows).
    const readReports = async () => (await client.xrange('opsbot:outbox:console:notifications', '-', '+')).map(([, f]) => f[1] ?? '');
    const calmChecked = async () => (await client.xrange('opsbot:audit', '-', '+')).some(([, f]) => f.join(' ').includes('job.drift') && f.join(' ').includes('stack calm') && f.join(' ').includes('succeeded'));
    const deadline = Date.now() + 170_000; // the next minute, a plan of each (and another minute if a round failed)
    let reports: string[] = [];
    while (Date.now() < deadline) {
      reports = await readReports();
      if (reports.length > 0 && (await calmChecked())) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await worker.stop();
    reports = await readReports();
    expect(reports.length).toBeGreaterThan(0);
    const first = JSON.parse(reports[0]!) as { message: { title: string; buttons: unknown[]; text: string } };
    expect(first.message.title).toBe('Drift on stack drifty: the infrastructure does not match its code');
    expect(first.message.text).toContain('5 to add');
    expect(first.message.buttons).toEqual([{ action: { command: 'infra plan', args: ['drifty'] }, label: 'Plan', style: 'primary' }]);
    expect(reports.every((r) => !r.includes('stack calm'))).toBe(true);
    // …and calm was checked, successfully, all along.
    const audit = (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));
    expect(audit.some((a) => a.includes('job.drift') && a.includes('stack calm') && a.includes('succeeded'))).toBe(true);
  }, 200_000);
});
