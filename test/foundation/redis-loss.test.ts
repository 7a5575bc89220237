import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { aliceAdminConfig } from '../support/config.js';
import { eventually, get } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { slowGitPath } from '../support/slow-git.js';

const CONFIG = aliceAdminConfig();

describe('Redis lost while running', () => {
  let redis: TestRedis;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
  });

  it('reports not ready, answers "try again", reconnects by itself and loses nothing accepted', async () => {
    const port = await freePort();
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: CONFIG, LOG_LEVEL: 'info' });
    const worker = new OpsbotProcess(['worker'], { env: { ...env, PORT: String(port), PATH: slowGitPath(4) } });
    procs.push(worker);
    await worker.waitFor(/opsbot started/, { stream: 'stderr' });
    const ready = `http://127.0.0.1:${port}/readyz`;
    expect((await get(ready)).status).toBe(200);

    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice'], { env });
    procs.push(chat);
    await chat.waitFor(/opsbot console/);

    // A job is accepted and in flight on the worker when Redis goes away.
    chat.write('/diagnose');
    const [, first] = await chat.waitFor(/Queued as job (\d+)/);
    await chat.waitFor(new RegExp(`\\[job ${first}\\] … Checking`));
    await redis.stop();

    await eventually(async () => (await get(ready)).status === 503, '/readyz 503');
    expect(JSON.parse((await get(ready)).text)).toMatchObject({ status: 'not ready', checks: { redis: false } });

    const mark = chat.stdout.length;
    chat.write('/diagnose');
    await chat.waitFor(/The job queue is unavailable right now; nothing was queued\. Try again in a moment\./, { from: mark });

    await redis.start();
    await eventually(async () => (await get(ready)).status === 200, '/readyz 200 again', 20_000);

    // The job accepted before the outage finishes, once.
    await chat.waitFor(new RegExp(`\\[job ${first}\\] ✔ Diagnosis`), { timeoutMs: 30_000 });
    // And new commands are accepted again without a restart.
    const mark2 = chat.stdout.length;
    chat.write('/diagnose');
    const [, second] = await chat.waitFor(/Queued as job (\d+)/, { from: mark2 });
    await chat.waitFor(new RegExp(`\\[job ${second}\\] ✔ Diagnosis`), { timeoutMs: 30_000 });
    expect(chat.stdout.match(new RegExp(`\\[job ${first}\\] ✔ Diagnosis`, 'g'))).toHaveLength(1);
    expect(Number(second)).toBe(Number(first) + 1);
  });
});
