import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { LOCAL_BACKEND, TOFU, haveTofu, infraConfig, SKIP_REASON } from '../terraform/stacks.js';
import { SANDBOX_SKIP, SUITE_TIMEOUT, findLeaks, loot, redisTexts, sandbox, storedPlans } from './leaks.js';

/** The worker's secrets: none of them is the attacked stack's own. */
const SECRETS = {
  GITHUB_TOKEN: 'ghs_WorkerGithubToken0123456789abcdefXYZ',
  SLACK_SIGNING_SECRET: 'slack-signing-8f3e2a1b9c7d6e5f',
  SLACK_BOT_TOKEN: 'xoxb-999999999-worker-bot-token-abc',
  OPSBOT_DASHBOARD_TOKEN: 'dashboard-token-5a4b3c2d1e',
  TF_VAR_other_password: 'other-stack-password-77aa88bb',
};
/** The attacked stack's own variable: its code may see it (that is what `env` is for). */
const OWN = { TF_VAR_attack_token: 'own-stack-token-1234abcd' };
const CANARY = 'canary-in-opsbot-home-e9d8c7';

/**
 * The attack of the issue, with the real CLI, Redis and OpenTofu: HCL on a stack's branch finds
 * its parent process through /proc/self/stat and reads `/proc/<ppid>/environ`, the worker's
 * own environ (its pid is known), the worker's config and a file in OPSBOT_HOME — base64-encoded,
 * past any redactor — into an output (the stack even posts outputs) and into a resource's input
 * (so the full plan text carries it). Unsandboxed, the worker's secrets come out; sandboxed,
 * nothing of them appears anywhere the outside sees.
 */
describe.skipIf(!haveTofu || !sandbox.ok)(
  `a plan cannot read the worker's secrets${haveTofu ? SANDBOX_SKIP : ` — skipped: ${SKIP_REASON}`}`,
  { timeout: SUITE_TIMEOUT },
  () => {
    let redis: TestRedis;
    let client: Redis;
    const procs: OpsbotProcess[] = [];
    const repo = tempDir('opsbot-attack-repo-');
    const home = tempDir('opsbot-home-');
    writeFileSync(join(home, 'canary.txt'), CANARY);
    const stacks = {
      // The attacker's best case: the stack even posts its output values.
      attack: { repo, dir: 'infra', env: Object.keys(OWN), postOutputs: true },
      // Another stack, whose secret the worker holds for it.
      other: { repo, dir: 'infra', env: ['TF_VAR_other_password'] },
    };
    const sandboxed = infraConfig(stacks);
    const unsandboxed = infraConfig(stacks, { terraform: { sandbox: false } });
    const drift = infraConfig({ other: stacks.other, drifty: { repo, dir: 'infra', env: Object.keys(OWN), driftCheck: '* * * * *' } });
    // A comment the attack looks for: the config file itself is off limits too.
    for (const c of [sandboxed, unsandboxed, drift]) writeFileSync(c, `${readFileSync(c, 'utf8')}# config-canary-5f4e3d\n`);

    beforeAll(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
      client.disconnect();
      await redis.close();
    });

    const envFor = (config: string) =>
      baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: home, LOG_LEVEL: 'debug', PORT: '0' });

    async function startWorker(config: string): Promise<OpsbotProcess> {
      const worker = new OpsbotProcess(['worker'], { env: { ...envFor(config), ...SECRETS, ...OWN } });
      procs.push(worker);
      await worker.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 30_000 });
      // The attack knows the worker's pid: the stack's code is written now, pushed to its branch.
      writeAttack(repo, worker.pid, sandboxed, home);
      return worker;
    }

    async function attack(config: string) {
      await client.flushall();
      rmSync(join(home, 'plans'), { recursive: true, force: true });
      const worker = await startWorker(config);
      const chat = await runOpsbot(['console', '--no-workers', '--as', 'alice', '--exec', '/infra plan attack'], {
        env: envFor(config),
        timeoutMs: 120_000,
      });
      await worker.stop();
      const stored = await storedPlans(client, repo);
      const plans = Object.values(stored);
      const plansDir = join(home, 'plans');
      const planFiles = existsSync(plansDir)
        ? Object.fromEntries(readdirSync(plansDir).map((f) => [f, readFileSync(join(plansDir, f), 'utf8')]))
        : {};
      const outside = {
        chat: chat.stdout + chat.stderr,
        'worker logs': worker.stdout + worker.stderr,
        ...(await redisTexts(client)),
        ...planFiles,
        ...stored,
      };
      return { chat, outside, loot: plans.length === 1 ? loot(plans[0]!) : {} };
    }

    it("unsandboxed (terraform.sandbox: false), the attack works: the worker's jobs-side secrets come out", async () => {
      const { chat, outside, loot: got } = await attack(unsandboxed);
      expect(chat.code, chat.stdout).toBe(0);
      expect(got.worker_environ).toContain(`GITHUB_TOKEN=${SECRETS.GITHUB_TOKEN}`);
      expect(got.parent_environ).toContain(`TF_VAR_other_password=${SECRETS.TF_VAR_other_password}`);
      expect(got.config).toContain('config-canary-5f4e3d');
      expect(got.home).toBe(CANARY);
      // …and the scanner sees them where a reviewer would: the full plan posted with the summary.
      const leaks = findLeaks(outside, SECRETS);
      expect(
        leaks.some((l) => /^plan-[a-z2-7]{8}\.txt: GITHUB_TOKEN$/.test(l)),
        leaks.join('\n'),
      ).toBe(true);
      expect(
        leaks.some((l) => /^opsbot:outbox:console:.*: TF_VAR_other_password$/.test(l)),
        leaks.join('\n'),
      ).toBe(true);
      // The chat platforms' tokens are not among them where Node can re-exec the worker without them.
      if ('execve' in process) expect(got.worker_environ).not.toContain('SLACK_');
    });

    it("sandboxed (the default), the same attack finds only its own stack's environment", async () => {
      const { chat, outside, loot: got } = await attack(sandboxed);
      expect(chat.code, chat.stdout).toBe(0);
      expect(chat.stdout).toContain('✔ Plan for stack attack');
      // The code ran, and read what a sandbox leaves it: its own minimal environment …
      expect(got.parent_environ).toContain('TF_IN_AUTOMATION=1');
      expect(got.parent_environ).toContain(`TF_VAR_attack_token=${OWN.TF_VAR_attack_token}`);
      expect(got.pid1_environ).toBe(got.parent_environ);
      // … and nothing else: no other process, no config, no opsbot home.
      expect(got.worker_environ).toBe('unreadable');
      expect(got.config).toBe('unreadable');
      expect(got.home).toBe('unreadable');
      expect((got.parent_cmdline ?? '').split('\0')[0]).toMatch(/bwrap$/);
      expect(findLeaks(outside, SECRETS)).toEqual([]);
    });

    it('a scheduled drift check runs the same code in the same sandbox', async () => {
      await client.flushall();
      const worker = await startWorker(drift);
      const deadline = Date.now() + 170_000; // five-field cron: the next minute, then the plan
      let reports: string[] = [];
      while (Date.now() < deadline && reports.length === 0) {
        reports = (await client.xrange('opsbot:outbox:console:notifications', '-', '+')).map(([, f]) => f[1] ?? '');
        await new Promise((r) => setTimeout(r, 250));
      }
      await worker.stop();
      expect(reports.length, worker.stderr.slice(-2000)).toBeGreaterThan(0);
      expect(reports[0]).toContain('Drift on stack drifty');
      expect(findLeaks({ 'worker logs': worker.stdout + worker.stderr, ...(await redisTexts(client)) }, SECRETS)).toEqual([]);
    }, 200_000);
  },
);

/** Reads what it can into an output and into a resource (the plan text shows resources' values). */
function writeAttack(repo: string, workerPid: number, config: string, home: string): void {
  const dir = join(repo, 'infra');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'backend.tf'), LOCAL_BACKEND);
  writeFileSync(
    join(dir, 'main.tf'),
    String.raw`variable "attack_token" {
  type    = string
  default = ""
}

locals {
  ppid = regex("^\\d+ \\(.*\\) \\S+ (\\d+)", file("/proc/self/stat"))[0]
  loot = {
    parent_environ = try(filebase64("/proc/${'$'}{local.ppid}/environ"), "unreadable")
    parent_cmdline = try(filebase64("/proc/${'$'}{local.ppid}/cmdline"), "unreadable")
    pid1_environ   = try(filebase64("/proc/1/environ"), "unreadable")
    worker_environ = try(filebase64("/proc/${workerPid}/environ"), "unreadable")
    config         = try(filebase64("${config}"), "unreadable")
    home           = try(filebase64("${home}/canary.txt"), "unreadable")
  }
}

output "loot" {
  value = local.loot
}

resource "terraform_data" "exfil" {
  input = local.loot
}
`,
  );
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, stdio: 'pipe' });
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { cwd: repo, stdio: 'pipe' });
  } catch {
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, '.gitignore'), '*.tfstate\n*.tfstate.*\n.terraform/\n');
  }
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', `attack for worker ${workerPid}`);
}
