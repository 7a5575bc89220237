import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { outboxStreams, startRedis, type TestRedis } from '../support/redis.js';
import { TOFU, haveTofu, headOf, infraConfig, planIdOf, stackRepo, tofuBehindTheBack } from './stacks.js';

const SECRET = 'Hunter2-s3cret-7f2b9c';
const BROKEN_TF = `resource "terraform_data" "broken" {\n  input = var.not_declared\n}\n`;
const SECRET_TF = `variable "DB_PASSWORD" {\n  type      = string\n  sensitive = true\n}\n\nresource "terraform_data" "secret" {\n  input = sha256(var.DB_PASSWORD)\n}\n`;

/** `/infra …` from the console, as two (or more) people, against real tofu and a real Redis. */
describe.skipIf(!haveTofu)('Terraform from chat (real tofu)', () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  const repos = {
    main: stackRepo({ git: true }),
    sup: stackRepo(),
    stale: stackRepo(),
    twoeyes: stackRepo(),
    short: stackRepo(),
    rej: stackRepo(),
    broken: stackRepo({ example: false, files: { 'broken.tf': BROKEN_TF } }),
    secret: stackRepo({ example: false, files: { 'secret.tf': SECRET_TF, 'backend.tf': 'terraform {\n  backend "local" {}\n}\n' } }),
  };
  const config = infraConfig({
    main: { repo: repos.main, dir: 'infra', approvers: ['console:alice', 'console:bob', 'console:carol'], postOutputs: true },
    sup: { repo: repos.sup, dir: 'infra' },
    stale: { repo: repos.stale, dir: 'infra' },
    twoeyes: { repo: repos.twoeyes, dir: 'infra', approvalsRequired: 2, approvers: ['console:bob', 'console:carol', 'console:erin'] },
    short: { repo: repos.short, dir: 'infra', planTtl: '2s' },
    rej: { repo: repos.rej, dir: 'infra' },
    broken: { repo: repos.broken, dir: 'infra' },
    secret: { repo: repos.secret, dir: 'infra', env: ['TF_VAR_DB_PASSWORD'] },
  });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: tempDir('opsbot-home-') });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const exec = (as: string, line: string, extra: NodeJS.ProcessEnv = {}) => runOpsbot(['console', '--as', as, '--exec', line], { env: { ...env, ...extra }, timeoutMs: 90_000 });
  const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);
  const plan = async (stack: string, as = 'alice') => {
    const res = await exec(as, `/infra plan ${stack}`);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return { res, id: planIdOf(res.stdout) };
  };

  it('plan → approve by another user → apply changes the real local state; the requester cannot approve', async () => {
    const { res, id } = await plan('main');
    expect(res.stdout).toContain('Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy.');
    expect(res.stdout).toContain(`Commit: ${headOf(repos.main).slice(0, 12)}`);
    expect(res.stdout).toMatch(/Full plan: (\S+plan-[a-z2-7]{8}\.txt)/);
    const full = readFileSync(/Full plan: (\S+)/.exec(res.stdout)![1]!, 'utf8');
    expect(full).toContain('# terraform_data.app will be created');
    expect(res.stdout).toContain(`[Approve: infra apply ${id}] [Reject: infra reject ${id}]`);

    const own = await exec('alice', `/infra apply ${id}`);
    expect(own.code).toBe(2);
    expect(own.stdout).toContain('someone else must approve it');

    const applied = await exec('bob', `/infra apply ${id}`);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`Plan ${id} approved by bob (1 of 1)`);
    expect(applied.stdout).toContain('✔ Applied: stack main');
    expect(applied.stdout).toMatch(/— job \d+ · apply · planned by alice \(console:alice\) · approved by console:bob$/m);
    expect(applied.stdout).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    expect(applied.stdout).toContain('workers = ["opsbot-demo-worker-0","opsbot-demo-worker-1"]');
    const state = JSON.parse(readFileSync(join(repos.main, 'infra', 'terraform.tfstate'), 'utf8')) as { resources: unknown[] };
    expect(state.resources).toHaveLength(4);

    const again = await exec('alice', '/infra plan main');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: stack main');
    expect(again.stdout).not.toContain('[Approve');

    const audit = (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));
    expect(audit.some((a) => a.includes('infra.approve') && a.includes(`plan ${id}`) && a.includes('denied') && a.includes('console:alice'))).toBe(true);
    expect(audit.some((a) => a.includes('infra.approve') && a.includes(`plan ${id}`) && a.includes('approved') && a.includes('console:bob'))).toBe(true);
  });

  it('a second plan while the first is pending supersedes it', async () => {
    const first = await plan('sup');
    const second = await plan('sup', 'carol');
    const old = await exec('bob', `/infra apply ${first.id}`);
    expect(old.code).toBe(2);
    expect(old.stdout).toContain(`Plan ${first.id} was superseded by plan ${second.id}`);
    const ok = await exec('bob', `/infra apply ${second.id}`);
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('apply of a stale plan is refused by the CLI and reported', async () => {
    const { id } = await plan('stale');
    const dir = join(repos.stale, 'infra');
    tofuBehindTheBack(dir, ['init', '-input=false']);
    tofuBehindTheBack(dir, ['apply', '-input=false', '-auto-approve', '-var', 'replicas=1']);
    const res = await exec('bob', `/infra apply ${id}`);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('State changed since this plan — run a new plan');
    const again = await exec('bob', `/infra apply ${id}`);
    expect(again.stdout).toContain('failed; run /infra plan stale');
  });

  it('N approvals: the apply starts on the N-th distinct approver; two at once → exactly one apply job', async () => {
    const { id } = await plan('twoeyes');
    const denied = await exec('dave', `/infra apply ${id}`);
    expect(denied.code).toBe(2);
    expect(denied.stdout).toContain('you are not an approver of stack twoeyes');
    const noRight = await exec('mallory', `/infra apply ${id}`);
    expect(noRight.code).toBe(2);
    expect(noRight.stdout).toContain('Denied: console:mallory may not infra.approve');

    const one = await exec('bob', `/infra apply ${id}`);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`Approval 1 of 2 recorded for plan ${id}`);
    const twice = await exec('bob', `/infra apply ${id}`);
    expect(twice.stdout).toContain('You have already approved');

    const before = await queued();
    const [c, e] = await Promise.all([exec('carol', `/infra apply ${id}`), exec('erin', `/infra apply ${id}`)]);
    const starts = [c, e].filter((r) => /Queued as job \d+: apply stack twoeyes/.test(r.stdout));
    expect(starts).toHaveLength(1);
    expect(await queued()).toBe(before + 1);
    expect(starts[0]!.stdout).toContain('✔ Applied: stack twoeyes');
    // What the other approver hears depends on when it arrived: the plan "is already approved"
    // (before the apply took the stack), the stack "is busy" with that very apply (while it
    // runs), or the plan "has already been applied" (after) — never a second apply (see above).
    const loser = [c, e].find((r) => r !== starts[0])!;
    expect(loser.stdout).toMatch(new RegExp(`Plan ${id} is already approved|Stack twoeyes is busy: job \\d+ \\((carol|erin)\\) has been applying it|Plan ${id} has already been applied`));
  });

  it('approval after rejection, of an expired plan, of an unknown id, or naming another stack is refused', async () => {
    const { id } = await plan('rej');
    const rejected = await exec('carol', `/infra reject ${id}`);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain(`carol rejected plan ${id} of stack rej`);
    const after = await exec('bob', `/infra apply ${id}`);
    expect(after.code).toBe(2);
    expect(after.stdout).toContain(`Plan ${id} was rejected by console:carol`);

    const short = await plan('short');
    const wrongStack = await exec('bob', `/infra apply ${short.id} main`);
    expect(wrongStack.code).toBe(2);
    expect(wrongStack.stdout).toContain(`Plan ${short.id} belongs to stack short, not main`);
    await new Promise((r) => setTimeout(r, 2500));
    const expired = await exec('bob', `/infra apply ${short.id}`);
    expect(expired.code).toBe(2);
    expect(expired.stdout).toContain(`Plan ${short.id} expired at`);

    const unknown = await exec('bob', '/infra apply aaaaaaaa');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('There is no plan aaaaaaaa');
    const audit = (await client.xrevrange('opsbot:audit', '+', '-', 'COUNT', 20)).map(([, f]) => f.join(' '));
    expect(audit.some((a) => a.includes('infra.reject') && a.includes('rejected'))).toBe(true);
  });

  it.each([
    ['/infra plan nope', 'There is no stack "nope". Known stacks: main, sup, stale, twoeyes, short, rej, broken, secret.'],
    ['/infra plan Main', '"Main" is not a stack name'],
    ['/infra plan ../etc', '"../etc" is not a stack name'],
    ['/infra plan /etc/passwd', '"/etc/passwd" is not a stack name'],
    ['/infra plan main;id', 'contains ";"'],
    ['/infra plan main --var-file ../secrets.tfvars', '--var-file "../secrets.tfvars" must be a relative path inside'],
    ['/infra plan main --var-file /etc/passwd', '--var-file "/etc/passwd" must be a relative path inside'],
    ['/infra apply ../x', '"../x" is not a plan id'],
    ['/infra apply abcdefgh ../main', '"../main" is not a stack name'],
  ])('%s → one clear reply, exit 2, nothing queued', async (line, reply) => {
    const before = await queued();
    const res = await exec('alice', line);
    expect(res.code).toBe(2);
    expect(res.stdout).toContain(reply);
    expect(await queued()).toBe(before);
  });

  it.each([
    ['dir with ..', { dir: '../outside' }, 'stacks.bad.dir: must be a relative path'],
    ['absolute var file', { dir: 'infra', varFiles: ['/etc/passwd'] }, 'stacks.bad.varFiles.0: must be a relative path'],
    ['var file with shell metacharacters', { dir: 'infra', varFiles: ['a;rm -rf.tfvars'] }, 'stacks.bad.varFiles.0: must be a relative path'],
    ['stack name with ..', { dir: 'infra' }, 'stack name must be lowercase', '..bad'],
  ])('config-level: %s is refused at start (exit 2)', async (_what, stack, message, name = 'bad') => {
    const file = infraConfig({ [name]: stack });
    const res = await runOpsbot(['check-config', '--config', file], { env });
    expect(res.code).toBe(2);
    expect(res.stderr + res.stdout).toContain(message);
  });

  it('Terraform missing: a clear reply, the job fails at once and leaves no lock', async () => {
    const res = await exec('alice', '/infra plan sup', { TF_BINARY: '/nonexistent/tofu' });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('TF_BINARY is set to "/nonexistent/tofu", which is not an executable on this worker');
    const bare = await exec('alice', '/infra plan sup', { TF_BINARY: undefined, PATH: '/usr/bin:/bin', HOME: tempDir('opsbot-nohome-') });
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain("No terraform or tofu on this worker's PATH");
    const locks = await exec('alice', '/infra locks');
    expect(locks.stdout).toContain('No stack is locked.');
  });

  it('a failing plan shows its diagnostics (file:line) and asks for no approval', async () => {
    const res = await exec('alice', '/infra plan broken');
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('Reference to undeclared input variable');
    expect(res.stdout).toMatch(/broken\.tf:2/);
    expect(res.stdout).not.toContain('[Approve');
  });

  it('a TF_VAR_ secret reaches tofu but never the chat, the logs or the audit', async () => {
    const extra = { TF_VAR_DB_PASSWORD: SECRET, LOG_LEVEL: 'debug' };
    const planned = await exec('alice', '/infra plan secret', extra);
    expect(planned.code, planned.stdout).toBe(0);
    const id = planIdOf(planned.stdout);
    const applied = await exec('bob', `/infra apply ${id}`, extra);
    expect(applied.code, applied.stdout).toBe(0);
    const state = readFileSync(join(repos.secret, 'infra', 'terraform.tfstate'), 'utf8');
    expect(state).toContain(createHash('sha256').update(SECRET).digest('hex')); // it did reach tofu
    const audit = JSON.stringify(await client.xrange('opsbot:audit', '-', '+'));
    const outboxes = await outboxStreams(client);
    const streams = JSON.stringify(await Promise.all(outboxes.map((k) => client.xrange(k, '-', '+'))));
    const fullPlan = readFileSync(/Full plan: (\S+)/.exec(planned.stdout)![1]!, 'utf8');
    for (const text of [planned.stdout, planned.stderr, applied.stdout, applied.stderr, audit, streams, fullPlan]) expect(text).not.toContain(SECRET);
  });
});
