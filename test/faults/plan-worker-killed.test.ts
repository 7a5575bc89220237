import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { testenv, titled } from '../support/testenv.js';
import { LOCAL_BACKEND, infraConfig, stackRepo } from '../terraform/stacks.js';

const tofu = testenv().tofu;

/**
 * A `TF_BINARY` for the doomed worker: `plan` announces itself (the pid of this script, which
 * opsbot runs as the leader of its own process group) in `marker`, then sleeps before it would
 * exec the real tofu — so the worker can be SIGKILLed in the middle of a plan. Every other
 * subcommand (init, show…) is the real tofu at once.
 */
function slowPlanBinary(real: string): { binary: string; marker: string } {
  const dir = tempDir('opsbot-slowplan-');
  const marker = join(dir, 'plan.pid');
  const binary = join(dir, 'tofu');
  writeFileSync(
    binary,
    `#!/bin/sh\nif [ "$1" = plan ]; then\n  echo $$ > '${marker}.tmp' && mv '${marker}.tmp' '${marker}'\n  /bin/sleep 120\nfi\nexec '${real}' "$@"\n`,
  );
  chmodSync(binary, 0o755);
  return { binary, marker };
}

/**
 * Fault: the worker running a Terraform *plan* is SIGKILLed mid-plan. A plan is idempotent
 * (kind `plan`), so another worker takes the stalled job over and makes the plan again: the
 * conversation gets exactly one plan summary with Approve / Reject, and the stack lock the dead
 * worker held expires instead of staying stuck.
 */
describe.skipIf(!tofu.available)(titled('fault: a worker SIGKILLed during a Terraform plan', tofu), () => {
  let redis: TestRedis;
  let client: Redis;
  const procs: OpsbotProcess[] = [];
  let orphan: number | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    // The dead worker's slow tofu wrapper (its own process group) would otherwise sleep on.
    if (orphan) {
      try {
        process.kill(-orphan, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    client?.disconnect();
    await redis?.close();
  });

  it('the plan is redone by another worker: one summary with Approve/Reject, the stack lock freed', async () => {
    const repo = stackRepo({
      example: false,
      files: { 'main.tf': 'resource "terraform_data" "doomed" {\n  input = "planned"\n}\n', 'backend.tf': LOCAL_BACKEND },
    });
    // Unsandboxed: the slow TF_BINARY wrapper execs the real tofu from outside what a sandbox would show it.
    const config = infraConfig({ doomed: { repo, dir: 'infra' } }, { terraform: { sandbox: false } });
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: tempDir('opsbot-home-'), ...tofu.env });
    const workerEnv = { ...env, OPSBOT_JOB_LOCK_MS: '2000', PORT: '0', LOG_LEVEL: 'info' };
    const slow = slowPlanBinary(tofu.env.TF_BINARY!);

    const doomed = new OpsbotProcess(['worker'], { env: { ...workerEnv, TF_BINARY: slow.binary } });
    procs.push(doomed);
    await doomed.waitFor(/opsbot started/, { stream: 'stderr' });
    const chat = new OpsbotProcess(['console', '--no-workers', '--as', 'alice', '--exec', '/infra plan doomed'], { env });
    procs.push(chat);
    const [, job] = await chat.waitFor(/Queued as job (\d+): plan stack doomed/);
    await eventually(async () => existsSync(slow.marker), 'the doomed worker to be inside `tofu plan`', 60_000);
    orphan = Number(readFileSync(slow.marker, 'utf8').trim());
    const [holderJob, holderKind, holderBy] = ((await client.get('opsbot:lock:stack:doomed'))?.split(':')[1] ?? '?|?|?').split('|');

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    try {
      process.kill(-orphan, 'SIGKILL'); // its tofu would never have finished either
    } catch {
      // already gone
    }
    console.log(
      `injected: SIGKILL to worker pid ${doomed.pid} while job ${job} was inside \`tofu plan\` (stack lock then held by job ${holderJob}, ${holderKind}, ${holderBy}); OPSBOT_JOB_LOCK_MS=2000`,
    );

    const rescuer = new OpsbotProcess(['worker'], { env: workerEnv });
    procs.push(rescuer);
    await chat.waitFor(/\[job \d+\] [✔✖]/, { timeoutMs: 150_000 });
    expect(await chat.exited, chat.stdout + chat.stderr + rescuer.stderr).toBe(0);

    const summaries = chat.stdout.match(/✔ Plan for stack doomed[^\n]*/g) ?? [];
    const approves = chat.stdout.match(/\[Approve: infra apply [a-z2-7]{8}\]/g) ?? [];
    const rejects = chat.stdout.match(/\[Reject: infra reject [a-z2-7]{8}\]/g) ?? [];
    const planning = (chat.stdout.match(/Planning stack doomed at/g) ?? []).length;
    const waited = /Stack doomed is busy: job \d+ \([^)]*\) has been planning it since[^\n]*/.exec(chat.stdout)?.[0];
    const audit = (await client.xrange('opsbot:audit', '-', '+'))
      .map(([, f]) => f.join(' '))
      .filter((a) => a.includes('job.plan') && a.includes(`job ${job}`));
    const locks = await runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', '/infra locks'], { env, timeoutMs: 60_000 });
    console.log(
      `observed: chat exit 0; "Planning stack doomed" shown ${planning} time(s); ${summaries.length} plan summary (${summaries.join(' | ')}), ${approves.length} Approve / ${rejects.length} Reject button(s); ` +
        `the retry ${waited ? `first said "${waited.slice(0, 80)}…"` : 'found the stack free'}; audit for job ${job}: ${audit.length} entr${audit.length === 1 ? 'y' : 'ies'} (${audit.map((a) => /succeeded|failed|interrupted/.exec(a)?.[0]).join(', ')}); ` +
        `/infra locks afterwards: "${locks.stdout.match(/No stack is locked\.|Stack doomed[^\n]*/)?.[0] ?? locks.stdout.trim()}"`,
    );
    expect(summaries, chat.stdout).toHaveLength(1);
    expect(approves).toHaveLength(1);
    expect(rejects).toHaveLength(1);
    expect(/([a-z2-7]{8})\]$/.exec(approves[0]!)?.[1]).toBe(/([a-z2-7]{8})\]$/.exec(rejects[0]!)?.[1]); // one plan, both buttons
    expect(chat.stdout).not.toMatch(/interrupted/i);
    expect(audit.filter((a) => a.includes('succeeded'))).toHaveLength(1);
    expect(audit.some((a) => /failed|interrupted/.test(a))).toBe(false);
    expect(locks.stdout).toContain('No stack is locked.');
  }, 200_000);
});
