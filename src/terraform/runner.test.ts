import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TerraformError, isTerraformError } from './errors.js';
import { summarizePlan } from './plan-summary.js';
import { redact } from './redact.js';
import { toOpsbotError } from './stack-run.js';
import { TerraformRunner, defaultBinary } from './runner.js';
import type { UiEvent } from './ui-events.js';

const example = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'terraform', 'examples', 'local');
const binary = defaultBinary();
const haveTofu = existsSync(binary);
if (!haveTofu) console.warn(`runner tests skipped: no tofu binary at ${binary} (set TF_BINARY or build tofu v1.12.6 into ~/.cache/opsbot/bin)`);

// A value with a quote, so that its JSON-escaped form is exercised too.
const SECRET = 'S3cret"Value-7f2b9c';

const SLOW_TF = `resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 30"
  }
}
`;
// local-exec inherits TF_VAR_db_password: tofu prints it as provisioner output.
const ECHO_TF = `resource "terraform_data" "echo" {
  provisioner "local-exec" {
    command = "echo leaked:$TF_VAR_db_password"
  }
}
`;

const temps: string[] = [];
const runners: TerraformRunner[] = [];

async function stack(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-tf-stack-'));
  temps.push(dir);
  await cp(example, dir, { recursive: true, filter: (src) => !/(\.terraform|\.tfstate|\.tfplan)/.test(src) });
  for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
  return dir;
}

function runner(options: Partial<ConstructorParameters<typeof TerraformRunner>[0]> = {}): TerraformRunner {
  const r = new TerraformRunner({ passEnv: ['TF_VAR_db_password'], sourceEnv: { PATH: process.env.PATH, TF_VAR_db_password: SECRET }, sandbox: false, ...options });
  runners.push(r);
  return r;
}

async function failure(p: Promise<unknown>): Promise<TerraformError> {
  try {
    await p;
  } catch (err) {
    if (isTerraformError(err)) return err;
    throw err;
  }
  throw new Error('expected a TerraformError');
}

/** Plans the slow stack, then cancels its apply as the slow resource starts: the error it ends with. */
async function cancelledSlowApply(tf: TerraformRunner, dir: string): Promise<TerraformError> {
  await tf.init(dir);
  const plan = await tf.plan(dir, { out: 'slow.tfplan' });
  const controller = new AbortController();
  const apply = tf.apply(dir, plan.planFile, (e) => {
    if (e.type === 'apply_start' && e.address === 'terraform_data.slow') controller.abort();
  }, { signal: controller.signal });
  return failure(apply);
}

afterAll(async () => {
  await Promise.all(runners.map((r) => r.dispose()));
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('redact', () => {
  it.each([
    { text: `value=${SECRET}`, expected: 'value=[redacted]' },
    { text: JSON.stringify({ v: SECRET }), expected: '{"v":"[redacted]"}' },
    { text: 'nothing secret here', expected: 'nothing secret here' },
  ])('$text', ({ text, expected }) => {
    expect(redact(text, [SECRET, ''])).toBe(expected);
  });
});

describe('TerraformRunner without a binary', () => {
  it.each(['/nonexistent/tofu', 'opsbot-no-such-tofu'])('%s: E_TF_MISSING', async (bin) => {
    const err = await failure(runner({ binary: bin }).init(tmpdir()));
    expect(err.code).toBe('E_TF_MISSING');
  });

  it('rejects a bad workspace name before running anything', async () => {
    const err = await failure(runner({ binary: '/nonexistent/tofu' }).plan(tmpdir(), { out: 'x.tfplan', workspace: '../prod' }));
    expect(err.code).toBe('E_TF_BAD_INPUT');
  });
});

describe.skipIf(!haveTofu)('TerraformRunner against real tofu (examples/local)', () => {
  it('plan then apply changes the local state; planning again finds nothing to do', async () => {
    const dir = await stack();
    const tf = runner();
    await tf.init(dir);
    const seen: string[] = [];
    const plan = await tf.plan(dir, { out: 'first.tfplan', lockTimeoutMs: 0, onEvent: (e) => seen.push(e.type) });
    expect(plan).toMatchObject({ exitCode: 2, hasChanges: true, planFile: join(dir, 'first.tfplan') });
    expect(seen).toContain('change_summary');
    expect(summarizePlan(await tf.show(plan.planFile)).counts.create).toBe(5);

    const applied = await tf.apply(dir, plan.planFile);
    expect(applied.events.filter((e) => e.type === 'apply_complete')).toHaveLength(5);
    const state = JSON.parse(await readFile(join(dir, 'terraform.tfstate'), 'utf8')) as { resources: unknown[] };
    expect(state.resources).toHaveLength(4); // app, database, release, worker (2 instances)

    const again = await tf.plan(dir, { out: 'again.tfplan' });
    expect(again).toMatchObject({ exitCode: 0, hasChanges: false });
  });

  it('plans and applies in a named workspace, with state of its own', async () => {
    const dir = await stack();
    const tf = runner();
    await tf.init(dir);
    await tf.ensureWorkspace(dir, 'staging');
    await tf.ensureWorkspace(dir, 'staging'); // idempotent
    const plan = await tf.plan(dir, { out: 'ws.tfplan', workspace: 'staging' });
    await tf.apply(dir, plan.planFile, undefined, { workspace: 'staging' });
    expect(existsSync(join(dir, 'terraform.tfstate.d', 'staging', 'terraform.tfstate'))).toBe(true);
    const again = await tf.plan(dir, { out: 'ws2.tfplan', workspace: 'staging' });
    expect(again.exitCode).toBe(0);
  });

  it('a second apply of the same saved plan fails with E_PLAN_STALE', async () => {
    const dir = await stack();
    const tf = runner();
    await tf.init(dir);
    const plan = await tf.plan(dir, { out: 'p.tfplan' });
    await tf.apply(dir, plan.planFile);
    const err = await failure(tf.apply(dir, plan.planFile));
    expect(err.code).toBe('E_PLAN_STALE');
    expect(err.diagnostics[0]?.summary).toBe('Saved plan is stale');
  });

  it('a TF_VAR_ secret never appears in events, show output or text', async () => {
    const dir = await stack({ 'echo.tf': ECHO_TF });
    const tf = runner();
    const texts: string[] = [JSON.stringify(await tf.init(dir))];
    const events: UiEvent[] = [];
    const plan = await tf.plan(dir, { out: 's.tfplan', onEvent: (e) => events.push(e) });
    const shown = await tf.show(plan.planFile);
    await tf.apply(dir, plan.planFile, (e) => events.push(e));
    texts.push(JSON.stringify(events), JSON.stringify(plan), JSON.stringify(shown));
    // Proof that the secret really reached tofu and was removed on the way out.
    expect(JSON.stringify(events)).toContain('leaked:[redacted]');
    expect(JSON.stringify(shown)).toContain('"db_password":{"value":"[redacted]"}');
    for (const text of texts) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    }
  });

  // In the sandbox SIGINT must reach tofu inside it, not bwrap (whose death would kill tofu
  // before it releases its lock): the same behaviour, both ways.
  describe.each([{ sandboxed: false }, { sandboxed: true }])('sandboxed: $sandboxed', ({ sandboxed }) => {
    it('a held lock is E_STATE_LOCKED with the holder; SIGINT cancels the apply and releases the lock', async () => {
      const dir = await stack({ 'slow.tf': SLOW_TF });
      const tf = runner({ graceMs: 15_000, sandbox: sandboxed && { writable: [dir] } });
      await tf.init(dir);
      const plan = await tf.plan(dir, { out: 'slow.tfplan' });
      const controller = new AbortController();
      let started!: () => void;
      const slowStarted = new Promise<void>((resolve) => (started = resolve));
      const apply = tf.apply(dir, plan.planFile, (e) => {
        if (e.type === 'apply_start' && e.address === 'terraform_data.slow') started();
      }, { signal: controller.signal });
      const applyFailure = failure(apply);
      await slowStarted;

      const locked = await failure(tf.plan(dir, { out: 'other.tfplan', lockTimeoutMs: 0 }));
      expect(locked.code).toBe('E_STATE_LOCKED');
      expect(locked.lock).toMatchObject({ operation: 'OperationTypeApply', path: 'terraform.tfstate' });
      expect(locked.lock?.who).toMatch(/@/);

      const t0 = Date.now();
      controller.abort();
      const cancelled = await applyFailure;
      expect(cancelled.code).toBe('E_TF_CANCELLED');
      expect(cancelled.termination).toBe('SIGINT');
      expect(Date.now() - t0).toBeLessThan(10_000); // not the 30 s sleep, not the grace period

      const after = await tf.plan(dir, { out: 'after.tfplan', lockTimeoutMs: 0 });
      expect(after.exitCode).toBe(2);
    });

    it('SIGKILL after the grace period is reported, and the lock is still released', async () => {
      const dir = await stack({ 'slow.tf': SLOW_TF });
      const tf = runner({ graceMs: 1, sandbox: sandboxed && { writable: [dir] } });
      const err = await cancelledSlowApply(tf, dir);
      expect(err.code).toBe('E_TF_CANCELLED');
      expect(err.termination).toBe('SIGKILL');
      const after = await tf.plan(dir, { out: 'after.tfplan', lockTimeoutMs: 0 });
      expect(after.exitCode).toBe(2);
    });
  });

  it("force-unlock: a malformed lock id never reaches tofu; tofu's refusal is the error, whole", async () => {
    const dir = await stack();
    const tf = runner({ sandbox: { writable: [dir] } });
    await tf.init(dir);
    const bad = await failure(tf.forceUnlock(dir, '-help'));
    expect(bad.code).toBe('E_TF_BAD_INPUT');
    const refused = await failure(tf.forceUnlock(dir, '0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a'));
    expect(refused.code).toBe('E_TF_FAILED');
    expect(refused.message).toBe('tofu force-unlock failed (exit 1): Failed to unlock state: LocalState not locked');
  });

  it('SIGKILL after the grace period is reported, naming the CLI that ran (terraform here), and the lock is still released', async () => {
    const dir = await stack({ 'slow.tf': SLOW_TF });
    // The same OpenTofu, installed under the name `terraform`: the chat must name what ran.
    const bin = await mkdtemp(join(tmpdir(), 'opsbot-tf-bin-'));
    temps.push(bin);
    await symlink(binary, join(bin, 'terraform'));
    const tf = runner({ graceMs: 1, binary: join(bin, 'terraform') });
    const err = await cancelledSlowApply(tf, dir);
    expect(err.code).toBe('E_TF_CANCELLED');
    expect(err.termination).toBe('SIGKILL');
    expect(err.message).toMatch(/^terraform apply cancelled/);
    expect(toOpsbotError(err).userMessage).toMatch(/^Cancelled: terraform did not stop after SIGINT within the grace period and was killed \(SIGKILL\)\./);
    const after = await tf.plan(dir, { out: 'after.tfplan', lockTimeoutMs: 0 });
    expect(after.exitCode).toBe(2);
  });
});
