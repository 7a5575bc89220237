/**
 * Terraform overhead: `/infra plan` of a copy of terraform/examples/local through opsbot
 * (`opsbot console --exec`, config with the stack and two users, embedded workers) against the
 * same `tofu init` + `tofu plan` run by hand on a fresh copy, alternated in the same run; the
 * median of each. opsbot's figure is the job as a running worker sees it — from the moment the
 * command was queued to the plan summary posted: queue, stack lock, clone, init, plan,
 * `show -json`, summary (BullMQ's own timestamps). The whole CLI round trip of a one-shot
 * `opsbot console --exec` (which also starts a Node process and loads opsbot) is reported too.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { baseEnv, OpsbotProcess, runOpsbot } from '../test/support/cli.js';
import { tempDir } from '../test/support/config.js';
import { startRedis } from '../test/support/redis.js';
import { testenv } from '../test/support/testenv.js';
import { EXAMPLE, infraConfig, stackRepo } from '../test/terraform/stacks.js';
import { percentile, row, type BenchOptions, type BenchResult } from './stats.js';

const run = promisify(execFile);

export async function terraformOverhead(opts: BenchOptions): Promise<BenchResult[]> {
  const tofu = testenv().tofu;
  if (!tofu.available) throw new Error(`no tofu: ${tofu.reason ?? 'unavailable'} (npm run testenv)`);
  const tfEnv = tofu.env;
  const reps = opts.quick ? 2 : 5;
  const redis = await startRedis({ appendonly: false });
  try {
    const repo = stackRepo({ git: true });
    const config = infraConfig({ bench: { repo, dir: 'infra', approvers: ['console:alice', 'console:bob'] } });
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, ...tfEnv, OPSBOT_HOME: tempDir('opsbot-bench-tf-') });
    const worker = new OpsbotProcess(['worker'], { env: { ...env, PORT: '0', LOG_LEVEL: 'info' } });
    await worker.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    const client = new Redis(redis.url);
    const byHand: number[] = [];
    const viaOpsbot: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < reps; i++) {
      const dir = join(tempDir('opsbot-bench-tfhand-'), 'infra');
      mkdirSync(dir, { recursive: true });
      cpSync(join(EXAMPLE, 'main.tf'), join(dir, 'main.tf'));
      const home = tempDir('opsbot-bench-tfhome-');
      writeFileSync(join(home, '.keep'), '');
      const handEnv = { PATH: process.env.PATH ?? '', HOME: home, ...tfEnv };
      const t0 = performance.now();
      await run(tfEnv.TF_BINARY!, ['init', '-input=false', '-no-color'], { cwd: dir, env: handEnv });
      await run(tfEnv.TF_BINARY!, ['plan', '-input=false', '-no-color', '-out=tfplan', '-detailed-exitcode'], { cwd: dir, env: handEnv }).catch(
        (err: { code?: number }) => {
          if (err.code !== 2) throw err; // 2 = succeeded with changes
        },
      );
      byHand.push(performance.now() - t0);

      const t1 = performance.now();
      const res = await runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', '/infra plan bench'], { env, timeoutMs: 120_000 });
      roundTrip.push(performance.now() - t1);
      if (res.code !== 0 || !/Approve: infra apply/.test(res.stdout))
        throw new Error(`opsbot plan failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
      const id = /Queued as job (\d+)/.exec(res.stdout)?.[1];
      const [added, finished] = await client.hmget(`opsbot:plan:job-${id}`, 'timestamp', 'finishedOn');
      viaOpsbot.push(Number(finished) - Number(added));
      opts.log(
        `  terraform: by hand ${Math.round(byHand.at(-1)!)} ms, opsbot job ${Math.round(viaOpsbot.at(-1)!)} ms, CLI round trip ${Math.round(roundTrip.at(-1)!)} ms`,
      );
    }
    client.disconnect();
    await worker.stop();
    const hand = percentile(byHand, 50);
    const ops = percentile(viaOpsbot, 50);
    return [
      row(
        'terraform: /infra plan (median)',
        ops,
        'ms',
        hand,
        `baseline: tofu init + tofu plan by hand; opsbot adds ${Math.round(ops - hand)} ms (${reps} runs each, alternated)`,
      ),
      row('terraform: added by opsbot', ops - hand, 'ms', 1000, 'target: under 10 % or under 1 s (baseline column = the 1 s target)'),
      row(
        'terraform: one-shot CLI round trip (median)',
        percentile(roundTrip, 50),
        'ms',
        hand,
        'informational: includes starting a Node process and loading opsbot',
      ),
    ];
  } finally {
    await redis.close();
  }
}
