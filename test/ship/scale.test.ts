import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { eventually, get } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The split deployment of docker-compose.yml and gitops/opsbot: one `opsbot bot`, workers
 * scaled out, one Redis. Jobs enqueued from the chat side are shared by every worker.
 */
const N = 10;

const CONFIG = `
workers: { concurrency: 1 }
access:
  rules:
    - subjects: ["console:*"]
      actions: [admin]
`;

const counter = (metrics: string, kind: string, state: string) =>
  Number(new RegExp(`opsbot_jobs_total\\{kind="${kind}",state="${state}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);

describe('horizontal scale: one bot, two workers, one Redis', () => {
  let redis: TestRedis;
  let env: NodeJS.ProcessEnv;
  const procs: OpsbotProcess[] = [];
  const addresses: string[] = [];
  let botAddress: string;

  beforeAll(async () => {
    redis = await startRedis();
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig(CONFIG), LOG_LEVEL: 'info', PORT: '0' });
    for (const w of ['a', 'b']) {
      const p = new OpsbotProcess(['worker'], { env: { ...env, OPSBOT_HOME: tempDir(`opsbot-worker-${w}-`) } });
      procs.push(p);
      const [, address] = await p.waitFor(/"address":"(http:\/\/[^"]+)"/, { stream: 'stderr' });
      addresses.push(address!);
    }
    const bot = new OpsbotProcess(['bot'], { env: { ...env, OPSBOT_HOME: tempDir('opsbot-bot-') } });
    procs.push(bot);
    [, botAddress] = (await bot.waitFor(/"address":"(http:\/\/[^"]+)"/, { stream: 'stderr' })) as [string, string];
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await redis.close();
  });

  it('every process is ready; the bot runs no workers', async () => {
    for (const a of [...addresses, botAddress]) expect((await get(`${a}/readyz`)).status).toBe(200);
    expect(JSON.parse((await get(`${botAddress}/readyz`)).text)).toEqual({ status: 'ready', checks: { redis: true } });
  });

  it(`${N} jobs from the chat side are shared by both workers, each run once`, async () => {
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        runOpsbot(['console', '--no-workers', '--as', `user${i}`, '--exec', '/diagnose'], { env, timeoutMs: 60_000 }),
      ),
    );
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    // The console client ran no job itself: the reply names a worker process.
    const pids = new Set(results.map((r) => /Worker: pid (\d+)/.exec(r.stdout)?.[1]));
    expect(pids).toEqual(new Set(procs.slice(0, 2).map((p) => String(p.pid))));

    const done = await Promise.all(addresses.map(async (a) => counter((await get(`${a}/metrics`)).text, 'diagnose', 'succeeded')));
    expect(
      done.every((n) => n > 0),
      `per worker: ${done.join(', ')}`,
    ).toBe(true);
    expect(done.reduce((a, b) => a + b, 0)).toBe(N);
    // The bot sees the shared queue (depth is read from Redis at scrape) but ran nothing.
    const botMetrics = (await get(`${botAddress}/metrics`)).text;
    expect(counter(botMetrics, 'diagnose', 'succeeded')).toBe(0);
    await eventually(
      async () => /opsbot_queue_depth\{queue="diagnose",state="completed"\} (\d+)/.exec((await get(`${botAddress}/metrics`)).text)?.[1] === String(N),
      'the bot to report the completed jobs',
    );
  }, 120_000);
});
