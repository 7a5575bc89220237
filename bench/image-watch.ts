/**
 * Registry watch latency: from a tag pushed with crane (the push finished) to the proposal
 * "web <tag> is available for staging" in the console's notification stream, with one
 * `opsbot start` polling the test environment's registry every INTERVAL_MS. Target: one poll
 * interval (a push lands anywhere in the interval, so the median is about half of it).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { craneFor } from '../test/support/crane.js';
import { startRedis } from '../test/support/redis.js';
import { testenv } from '../test/support/testenv.js';
import { percentile, row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const INTERVAL_MS = 2000;
const STREAM = 'opsbot:outbox:console:notifications';

export async function imageWatch(opts: BenchOptions): Promise<BenchResult[]> {
  const reg = testenv().registry;
  if (!reg.available) throw new Error(`no registry: ${reg.reason ?? 'unavailable'} (npm run testenv)`);
  const reps = opts.quick ? 4 : 10;
  const [crane, redis] = await Promise.all([craneFor(reg.env), startRedis({ appendonly: false })]);
  const reader = new Redis(redis.url);
  let bot: OpsbotProcess | undefined;
  try {
    const repo = `watch-bench/web-${randomBytes(3).toString('hex')}`;
    await crane.pushRandom(repo, '1.0.0');
    const home = tempDir('opsbot-bench-watch-');
    const config = writeConfig(`gitops: { url: ${join(home, 'unused.git')} }
apps:
  web:
    image: ${crane.registry}/${repo}
    environments:
      staging: { kind: kustomize, path: apps/web/kustomization.yaml, watch: { tags: "^1.0.0", interval: ${INTERVAL_MS / 1000}s } }
`);
    bot = new OpsbotProcess(['start', '--no-console'], {
      env: baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        OPSBOT_HOME: home,
        DOCKER_CONFIG: crane.dockerConfig,
        NODE_EXTRA_CA_CERTS: reg.env.REGISTRY_CA,
        PORT: '0',
        LOG_LEVEL: 'info',
      }),
    });
    await bot.waitFor(/registry watch started/, { stream: 'stderr', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS)); // the starting point is taken
    const latencies: number[] = [];
    for (let i = 1; i <= reps; i++) {
      const tag = `1.0.${i}`;
      await crane.pushRandom(repo, tag);
      const pushed = performance.now();
      const title = `web ${tag} is available for staging`;
      await waitUntil(
        `the proposal of ${tag}`,
        async () => (await reader.xrange(STREAM, '-', '+')).some(([, f]) => f[1]!.includes(title)),
        4 * INTERVAL_MS,
      );
      latencies.push(performance.now() - pushed);
      opts.log(`  ${tag}: ${Math.round(latencies.at(-1)!)} ms`);
      // Pushes at varied points of the interval.
      await new Promise((r) => setTimeout(r, Math.random() * INTERVAL_MS));
    }
    return [
      row(
        'registry watch: tag push → proposal in chat, p50',
        percentile(latencies, 50),
        'ms',
        INTERVAL_MS,
        `target: one poll interval (${INTERVAL_MS} ms here); a push lands anywhere in it`,
      ),
      row(
        'registry watch: tag push → proposal in chat, max',
        Math.max(...latencies),
        'ms',
        INTERVAL_MS,
        'poll, tag list, notify job and outbox included',
      ),
    ];
  } finally {
    await bot?.stop();
    reader.disconnect();
    await redis.close();
    crane.cleanup();
  }
}
