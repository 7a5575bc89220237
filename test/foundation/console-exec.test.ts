import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/** Drives `opsbot console --exec` as a child process against a real redis-server. */
describe('opsbot console --exec', () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  const config = writeConfig(`
groups:
  admins: ["console:alice"]
access:
  rules:
    - subjects: ["group:admins"]
      actions: [admin]
    - subjects: ["console:carol"]
      actions: [jobs]
`);

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const exec = (line: string, as = 'alice', extraEnv: NodeJS.ProcessEnv = {}) =>
    runOpsbot(['console', '--as', as, '--exec', line], { env: { ...env, ...extraEnv } });
  const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);

  it('/help lists what this user may run', async () => {
    const admin = await exec('/help', 'alice');
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain('/audit [n]');
    expect(admin.stdout).toContain('You are console:alice.');
    const other = await exec('/help', 'bob');
    expect(other.stdout).toContain('/jobs [n]');
    expect(other.stdout).not.toContain('/audit');
    expect(other.stdout).not.toContain('/diagnose');
  });

  it('/diagnose goes through the queue and a worker, and comes back as the final reply', async () => {
    const res = await exec('/diagnose');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Queued as job (\d+): diagnose/);
    const id = /Queued as job (\d+)/.exec(res.stdout)![1];
    expect(res.stdout).toContain(`[job ${id}] … Checking Redis, git and Terraform`);
    expect(res.stdout).toMatch(/✔ Diagnosis\n {2}Worker: pid \d+, Node\.js v\d+/);
    expect(res.stdout).toMatch(/Redis: \d+\.\d+/);
    expect(res.stdout).toMatch(/git: git version \d/);
    // and /jobs, run afterwards by another process, sees it with its requester
    const jobs = await exec('/jobs', 'carol');
    expect(jobs.stdout).toMatch(new RegExp(`\\b${id}\\s+diagnose\\s+succeeded\\s+worker\\s+console:alice`));
  });

  it('a failed job exits 1 with the reason', async () => {
    const res = await exec('/diagnose', 'alice', { TF_BINARY: '/nonexistent/terraform' });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('✖ Failed');
    expect(res.stdout).toContain('TF_BINARY is set to "/nonexistent/terraform", which is not an executable on this worker.');
  });

  it.each([
    ['/frobnicate', 'Unknown command /frobnicate. Type /help to see what you can ask.'],
    ['/infra', '/infra needs a subcommand:\n  /infra plan <stack>'],
    ['/infra frobnicate', '/infra needs a subcommand:'],
    ['/jobs 1 2', 'Too many arguments.\nUsage: /jobs [n]'],
    ['/jobs many', '"many" is not a number from 1 to 50.\nUsage: /jobs [n]'],
    ['/cancel', 'Missing argument.\nUsage: /cancel <job-id>'],
    ['/jobs --all', 'Unknown option --all.'],
    ['/diagnose $(id)', 'argument 1 contains "$", which is not accepted in arguments.'],
    ['/diagnose a;b', 'contains ";"'],
    ['/diagnose one\ntwo', 'Commands are one line: newlines are not accepted in arguments.'],
    [`/diagnose ${'x'.repeat(201)}`, 'argument 1 is 201 characters long; at most 200 are accepted.'],
  ])('rejects %j with a usage reply, exit 2, nothing queued', async (line, reply) => {
    const before = await queued();
    const res = await exec(line);
    expect(res.code).toBe(2);
    expect(res.stdout).toContain(reply);
    expect(await queued()).toBe(before);
    const [entry] = await auditTail(client, 1);
    expect(entry?.result).toBe('invalid');
    expect(entry?.actor).toBe('console:alice');
  });

  it('denies a user with no rule: a clear reply, an audit entry, nothing queued', async () => {
    const before = await queued();
    const res = await exec('/diagnose', 'mallory');
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('Denied: console:mallory may not admin');
    expect(await queued()).toBe(before);
    const [entry] = await auditTail(client, 1);
    expect(entry).toMatchObject({ actor: 'console:mallory', action: 'command.diagnose', result: 'denied' });
  });

  it('/audit shows the last entries to admins only', async () => {
    const res = await exec('/audit 3');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Audit: last 3');
    const denied = await exec('/audit', 'carol');
    expect(denied.code).toBe(2);
    expect(denied.stdout).toContain('Denied');
  });

  it('/cancel of an unknown job says so', async () => {
    const res = await exec('/cancel 99999');
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('There is no job 99999.');
  });
});

async function auditTail(client: Redis, n: number): Promise<Record<string, string>[]> {
  const rows = await client.xrevrange('opsbot:audit', '+', '-', 'COUNT', n);
  return rows.map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1]!]] : []))));
}
