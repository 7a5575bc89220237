/**
 * Ack latency: N signed Slack slash commands fired at once at `opsbot start --no-console` whose
 * workers are busy (each /diagnose holds a worker for seconds through a slow `git`), time to
 * HTTP 200 (p50/p95/p99), against a bare Bolt app that acks and does nothing, same run, same
 * signed requests; and against the same opsbot with its per-person limits off, for the
 * limiter's cost. Slack allows 3 s to ack.
 */
import { App, LogLevel } from '@slack/bolt';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { freePort } from '../test/support/ports.js';
import { startRedis } from '../test/support/redis.js';
import { startSlackApi } from '../test/support/slack-api.js';
import { slowGitPath } from '../test/support/slow-git.js';
import { postToSlackEvents, slashCommandBody } from '../test/slack/slack-requests.js';
import { percentile, row, type BenchOptions, type BenchResult } from './stats.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench-0000';

/** Fire `n` signed /diagnose commands at once; latencies in ms, and how many were not 200. */
async function burst(base: string, n: number, responseUrl: (i: number) => string): Promise<{ ms: number[]; failed: number }> {
  const bodies = Array.from({ length: n }, (_, i) =>
    slashCommandBody({ command: '/diagnose', text: '', user: 'U0ALICE', responseUrl: responseUrl(i) }),
  );
  const results = await Promise.all(bodies.map((b) => postToSlackEvents(base, b, { secret: SECRET }).catch(() => ({ status: 0, ms: NaN }))));
  return { ms: results.filter((r) => r.status === 200).map((r) => r.ms), failed: results.filter((r) => r.status !== 200).length };
}

async function bareBolt(n: number, apiUrl: string): Promise<{ ms: number[]; failed: number }> {
  const port = await freePort();
  const app = new App({
    signingSecret: SECRET,
    token: TOKEN,
    tokenVerificationEnabled: false,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: apiUrl },
  });
  app.command(/.*/, async ({ ack }) => {
    await ack();
  });
  await app.start({ port, host: '127.0.0.1' });
  try {
    await burst(`http://127.0.0.1:${port}`, 10, () => 'http://127.0.0.1:1/respond/warmup');
    return await burst(`http://127.0.0.1:${port}`, n, () => 'http://127.0.0.1:1/respond/x');
  } finally {
    await app.stop();
  }
}

/** One `opsbot start --no-console` with `limits` in its config: warm up, then the measured burst. */
async function opsbotBurst(n: number, limits: string, apiUrl: string, responseUrl: (i: number) => string): Promise<{ ms: number[]; failed: number }> {
  const redis = await startRedis({ appendonly: false });
  let bot: OpsbotProcess | undefined;
  try {
    const port = await freePort();
    const config = writeConfig(`access:\n  rules:\n    - subjects: ["slack:U0ALICE"]\n      actions: [admin]\nlimits: ${limits}\n`);
    bot = new OpsbotProcess(['start', '--no-console'], {
      env: baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        PORT: String(port),
        LOG_LEVEL: 'info',
        OPSBOT_HOME: tempDir('opsbot-bench-ack-'),
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: apiUrl,
        // Every /diagnose runs `git --version` through this: each job holds a worker for 5 s.
        PATH: slowGitPath(5),
      }),
    });
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    const base = `http://127.0.0.1:${port}`;
    // Warm up, and make the workers busy before the measured burst.
    await burst(base, 10, (i) => responseUrl(-1 - i));
    return await burst(base, n, responseUrl);
  } finally {
    await bot?.stop('SIGKILL');
    await redis.close();
  }
}

export async function ackLatency(opts: BenchOptions): Promise<BenchResult[]> {
  const n = opts.quick ? 100 : 200;
  const slack = await startSlackApi({ token: TOKEN });
  try {
    // The per-person limits counted (one Redis script per command), set high enough that none of
    // this burst is refused — so the difference to the run without them is their cost alone.
    const measured = await opsbotBurst(n, '{ commandsPerMinute: 10000, jobsPerMinute: 10000 }', slack.url, (i) => slack.responseUrl(`c-${i}`));
    const unlimited = await opsbotBurst(n, '{ commandsPerMinute: 0, jobsPerMinute: 0 }', slack.url, (i) => slack.responseUrl(`u-${i}`));
    const bolt = await bareBolt(n, slack.url);
    if (measured.failed) opts.log(`  ack: ${measured.failed} of ${n} opsbot requests were not answered 200`);
    opts.log(
      `  ack: opsbot p99 ${percentile(measured.ms, 99).toFixed(1)} ms (limits off: ${percentile(unlimited.ms, 99).toFixed(1)} ms), bare Bolt p99 ${percentile(bolt.ms, 99).toFixed(1)} ms`,
    );
    const rows: BenchResult[] = [];
    for (const p of [50, 95, 99])
      rows.push(
        row(
          `ack: ${n} slash commands, p${p}`,
          percentile(measured.ms, p),
          'ms',
          percentile(bolt.ms, p),
          p === 50 ? 'baseline: bare Bolt App (HTTPReceiver) acking the same signed requests; target p99 ≤ 1.5×, far below 3 s' : undefined,
        ),
      );
    for (const p of [50, 99])
      rows.push(
        row(
          `ack: per-person limits, p${p}`,
          percentile(measured.ms, p),
          'ms',
          percentile(unlimited.ms, p),
          p === 50
            ? "baseline: the same burst at an opsbot with limits off (limits.*PerMinute: 0), same run; the ratio is the limiter's cost"
            : undefined,
        ),
      );
    rows.push(row('ack: not answered 200', measured.failed + unlimited.failed, 'count', null, 'must be 0'));
    return rows;
  } finally {
    await slack.close();
  }
}
