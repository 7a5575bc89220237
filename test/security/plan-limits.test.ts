import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { outboxStreams, startRedis, type TestRedis } from '../support/redis.js';
import { PLAN_TEXT_LIMIT } from '../../src/terraform/plan-text.js';
import { LOCAL_BACKEND, SLOW_TF, SKIP_REASON, TOFU, haveTofu, infraConfig, planIdOf, stackRepo } from '../terraform/stacks.js';

const OUTPUT_CANARY = 'output-value-canary-3c2b1a';
/** A resource whose value is 600,000 characters: its plan text is past the cap. */
const HUGE_TF = `resource "terraform_data" "huge" {\n  input = format("%0600000d", 7)\n}\n\nresource "terraform_data" "keyed" {\n  for_each = toset([format("%05000d", 1)])\n  input    = each.key\n}\n`;
const OUTPUT_TF = `resource "terraform_data" "x" {\n  input = "y"\n}\n\noutput "token_like" {\n  value = "${OUTPUT_CANARY}"\n}\n\noutput "listed" {\n  value = ["${OUTPUT_CANARY}-a", "${OUTPUT_CANARY}-b"]\n}\n`;
const VAR_TF = `variable "size" {\n  type = string\n}\n\nresource "terraform_data" "sized" {\n  input = var.size\n}\n`;
/** A data source whose backend never answers: the plan hangs, as with a provider stuck on its API. */
const hangingTf = (port: number) =>
  `data "terraform_remote_state" "stuck" {\n  backend = "http"\n  config = {\n    address = "http://127.0.0.1:${port}/state"\n  }\n}\n\nresource "terraform_data" "x" {\n  input = "y"\n}\n`;

/**
 * What a plan may grow to and how long it may run: the plan text is capped (posted and stored),
 * output values stay out of chat unless the stack posts them, `--var-file` takes only what the
 * stack allows, and planTimeout / applyTimeout stop tofu and free the locks.
 */
describe.skipIf(!haveTofu)(`plan limits (real tofu)${haveTofu ? '' : ` — skipped: ${SKIP_REASON}`}`, { timeout: SUITE_TIMEOUT }, () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  let blackhole: Server;
  const sockets: Socket[] = [];
  const procs: OpsbotProcess[] = [];
  const home = tempDir('opsbot-home-');

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    // Accepts connections, reads requests, never answers.
    blackhole = createServer((s) => {
      sockets.push(s);
      s.on('data', () => undefined);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as { port: number }).port;
    const config = infraConfig({
      huge: { repo: stackRepo({ example: false, files: { 'main.tf': HUGE_TF } }), dir: 'infra', postOutputs: true },
      outputs: { repo: stackRepo({ example: false, files: { 'main.tf': OUTPUT_TF } }), dir: 'infra' },
      fixed: {
        repo: stackRepo({ example: false, files: { 'main.tf': VAR_TF, 'base.tfvars': 'size = "s"\n', 'big.tfvars': 'size = "xl"\n' } }),
        dir: 'infra',
        varFiles: ['base.tfvars'],
      },
      open: {
        repo: stackRepo({
          example: false,
          files: { 'main.tf': VAR_TF, 'base.tfvars': 'size = "s"\n', 'big.tfvars': 'size = "xl"\n', 'other.tfvars': 'size = "m"\n' },
        }),
        dir: 'infra',
        varFiles: ['base.tfvars'],
        extraVarFiles: ['big.tfvars'],
      },
      hang: {
        repo: stackRepo({ example: false, files: { 'main.tf': hangingTf(port), 'backend.tf': LOCAL_BACKEND } }),
        dir: 'infra',
        planTimeout: '3s',
      },
      slow: { repo: stackRepo({ example: false, files: { 'slow.tf': SLOW_TF, 'backend.tf': LOCAL_BACKEND } }), dir: 'infra', applyTimeout: '3s' },
    });
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: home });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    for (const s of sockets) s.destroy();
    blackhole?.close();
    client?.disconnect();
    await redis?.close();
  });

  const exec = (as: string, line: string) => runOpsbot(['console', '--as', as, '--exec', line], { env, timeoutMs: 120_000 });
  const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);
  const outbox = async () => {
    const entries: string[] = [];
    for (const key of await outboxStreams(client)) entries.push(...(await client.xrange(key, '-', '+')).map(([, f]) => f[1] ?? ''));
    return entries;
  };

  it('a plan text past the cap is cut, with a note, in what is posted and what is stored; long addresses too', async () => {
    const res = await exec('alice', '/infra plan huge');
    expect(res.code, res.stdout).toBe(0);
    const stored = readFileSync(/Full plan: (\S+)/.exec(res.stdout)![1]!, 'utf8');
    expect(stored.length).toBeLessThan(PLAN_TEXT_LIMIT + 300);
    expect(stored).toMatch(/… plan text cut here: [\d,]+ of [\d,]+ characters are shown \(opsbot posts and stores at most 524,288\)\./);
    const sizes = (await outbox()).map((e) => e.length);
    expect(Math.max(...sizes)).toBeLessThan(PLAN_TEXT_LIMIT + 20_000);
    // The 5,000-character for_each key is cut in the summary.
    const keyed = /terraform_data\.keyed\["0+…/.exec(res.stdout);
    expect(keyed, res.stdout).not.toBeNull();
    expect(res.stdout.split('\n').every((l) => l.length < 1000)).toBe(true);
  });

  it('output values are not posted unless the stack opts in: names only, everywhere', async () => {
    const res = await exec('alice', '/infra plan outputs');
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('outputs (values not posted for this stack):');
    expect(res.stdout).toContain('token_like (create)');
    const stored = readFileSync(/Full plan: (\S+)/.exec(res.stdout)![1]!, 'utf8');
    expect(stored).toContain('+ token_like = (value not shown: stack outputs does not post output values (postOutputs))');
    const plan = JSON.stringify(await client.hgetall(`opsbot:plan:${planIdOf(res.stdout)}`));
    for (const text of [res.stdout, stored, plan, ...(await outbox())]) expect(text).not.toContain(OUTPUT_CANARY);

    const applied = await exec('bob', `/infra apply ${planIdOf(res.stdout)}`);
    expect(applied.code, applied.stdout).toBe(0);
    expect(applied.stdout).toMatch(/outputs \(values not posted for this stack\):\n.*listed\n.*token_like\n/);
    expect(applied.stdout).not.toContain(OUTPUT_CANARY);
    for (const text of await outbox()) expect(text).not.toContain(OUTPUT_CANARY);
  });

  it('--var-file is refused unless the stack allows that file: a clear reply, nothing queued', async () => {
    for (const [line, reply] of [
      [
        '/infra plan fixed --var-file big.tfvars',
        'Stack fixed does not allow --var-file big.tfvars: it takes no --var-file (stacks.fixed.extraVarFiles is empty). Its own var files (base.tfvars) are always used. Nothing was planned.',
      ],
      ['/infra plan open --var-file other.tfvars', 'Stack open does not allow --var-file other.tfvars: it allows only big.tfvars.'],
    ]) {
      const before = await queued();
      const res = await exec('alice', line!);
      expect(res.code, res.stdout).toBe(2);
      expect(res.stdout).toContain(reply);
      expect(await queued()).toBe(before);
    }
    const ok = await exec('alice', '/infra plan open --var-file big.tfvars');
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('Var files: base.tfvars, big.tfvars (--var-file)');
    const plain = await exec('alice', '/infra plan fixed');
    expect(plain.stdout).toContain('Var files: base.tfvars');
  });

  it('planTimeout: a hanging plan is stopped, fails clearly, and frees the stack lock; nothing is stored', async () => {
    const t0 = Date.now();
    const res = await exec('alice', '/infra plan hang');
    expect(res.code, res.stdout).toBe(1);
    expect(res.stdout).toMatch(
      /The plan of stack hang was stopped: it ran longer than planTimeout \(3s\)\. tofu (stopped cleanly after SIGINT and released the state lock|did not stop after SIGINT within the grace period and was killed)/,
    );
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(res.stdout).not.toContain('[Approve');
    expect(await client.keys('opsbot:stack:hang:plan')).toEqual([]);
    expect((await exec('alice', '/infra locks')).stdout).toContain('No stack is locked.');
  });

  it('applyTimeout: the apply gets SIGINT, says how tofu left the state lock, and the stack can be planned again', async () => {
    const planned = await exec('alice', '/infra plan slow');
    const id = planIdOf(planned.stdout);
    const res = await exec('bob', `/infra apply ${id}`);
    expect(res.code, res.stdout).toBe(1);
    expect(res.stdout).toContain(
      'The apply of stack slow was stopped: it ran longer than applyTimeout (3s). tofu stopped cleanly after SIGINT and released the state lock. The state may be partly applied: run a new plan to see where it stands.',
    );
    expect((await exec('alice', '/infra locks')).stdout).toContain('No stack is locked.');
    expect(await client.hget(`opsbot:plan:${id}`, 'state')).toBe('failed');
    // Terraform's state lock is free: a new plan takes it at once (lock-timeout would say otherwise).
    const again = await exec('alice', '/infra plan slow');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('state is locked');
  });
});
