/**
 * Terraform overhead: `/infra plan` of a copy of terraform/examples/local through opsbot
 * (`opsbot console --exec`, config with the stack and two users, embedded workers) against the
 * same `tofu init` + `tofu plan` run by hand on a fresh copy, alternated in the same run; the
 * median of each. opsbot's figure is the whole CLI round trip: Node start, queue, clone, init,
 * plan, `show -json`, summary.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { baseEnv, runOpsbot } from '../test/support/cli.js';
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
    const byHand: number[] = [];
    const viaOpsbot: number[] = [];
    for (let i = 0; i < reps; i++) {
      const dir = join(tempDir('opsbot-bench-tfhand-'), 'infra');
      mkdirSync(dir, { recursive: true });
      cpSync(join(EXAMPLE, 'main.tf'), join(dir, 'main.tf'));
      const home = tempDir('opsbot-bench-tfhome-');
      writeFileSync(join(home, '.keep'), '');
      const handEnv = { PATH: process.env.PATH ?? '', HOME: home, ...tfEnv };
      const t0 = performance.now();
      await run(tfEnv.TF_BINARY!, ['init', '-input=false', '-no-color'], { cwd: dir, env: handEnv });
      await run(tfEnv.TF_BINARY!, ['plan', '-input=false', '-no-color', '-out=tfplan', '-detailed-exitcode'], { cwd: dir, env: handEnv }).catch((err: { code?: number }) => {
        if (err.code !== 2) throw err; // 2 = succeeded with changes
      });
      byHand.push(performance.now() - t0);

      const t1 = performance.now();
      const res = await runOpsbot(['console', '--as', 'alice', '--exec', '/infra plan bench'], { env, timeoutMs: 120_000 });
      viaOpsbot.push(performance.now() - t1);
      if (res.code !== 0 || !/Approve: infra apply/.test(res.stdout)) throw new Error(`opsbot plan failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
      opts.log(`  terraform: by hand ${Math.round(byHand.at(-1)!)} ms, opsbot ${Math.round(viaOpsbot.at(-1)!)} ms`);
    }
    const hand = percentile(byHand, 50);
    const ops = percentile(viaOpsbot, 50);
    return [
      row('terraform: /infra plan (median)', ops, 'ms', hand, `baseline: tofu init + tofu plan by hand; opsbot adds ${Math.round(ops - hand)} ms (${reps} runs each, alternated)`),
      row('terraform: added by opsbot', ops - hand, 'ms', 1000, 'target: under 10 % or under 1 s (baseline column = the 1 s target)'),
    ];
  } finally {
    await redis.close();
  }
}
