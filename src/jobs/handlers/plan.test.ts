import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OpsbotError } from '../../core/errors.js';
import { config, FakeLocks, FakePlanStore, FakeStacks, jobContext, NO_CHANGES, FakeHolds, NO_GITHUB } from '../../../test/support/fakes.js';
import { planJob, type PlanPayload } from './plan.js';

const CONFIG = config(
  `stacks: { core: { dir: terraform/core, approvalsRequired: 2, lockTimeout: 30s, approvers: ["console:alice"], extraVarFiles: [extra.tfvars] } }`,
);

function setup(conversation: 'slack' | 'console' = 'slack') {
  const stacks = new FakeStacks();
  const store = new FakePlanStore();
  const locks = new FakeLocks();
  const home = mkdtempSync(join(tmpdir(), 'opsbot-plan-test-'));
  const kind = planJob({
    config: CONFIG,
    stacks,
    env: { OPSBOT_HOME: home },
    infra: { store, locks, holds: new FakeHolds(), github: NO_GITHUB, baseDir: '/srv/infra', stateHome: '/tmp/state' },
  });
  const { ctx, reporter } = jobContext<PlanPayload>(
    'plan',
    { stack: 'core', varFiles: ['extra.tfvars'] },
    { conversation: conversation === 'slack' ? { platform: 'slack', channel: 'C1' } : { platform: 'console', channel: 's1' } },
  );
  return { run: () => kind.run(ctx), stacks, store, locks, reporter, home };
}

describe('plan job', () => {
  it('plans under the stack lock, saves the plan and offers Approve / Reject', async () => {
    const { run, stacks, store, locks, reporter } = setup();
    const message = await run();
    expect(stacks.calls).toEqual(['open core', 'plan core extra.tfvars', 'dispose core']);
    expect(locks.released).toEqual(['core']);
    expect(store.log).toEqual([`save ${[...store.plans.keys()][0]}`]);
    const saved = [...store.plans.values()][0]!;
    expect(saved).toMatchObject({ stack: 'core', commit: stacks.commit, varFiles: ['extra.tfvars'] });
    expect(reporter.progressTexts()).toContain(`Planning stack core at ${stacks.commit!.slice(0, 12)}…`);
    expect(message.title).toBe('Plan for stack core');
    expect(message.buttons?.map((b) => [b.label, b.action])).toEqual([
      ['Approve', { command: 'infra apply', args: [saved.id] }],
      ['Reject', { command: 'infra reject', args: [saved.id] }],
    ]);
    expect(message.attachment).toEqual({ name: `plan-${saved.id}.txt`, content: '+ terraform_data.x' });
  });

  it('no changes: nothing saved, nothing to approve', async () => {
    const { run, stacks, store } = setup();
    stacks.planOutcome = { ...stacks.planOutcome, summary: NO_CHANGES };
    const message = await run();
    expect(store.plans.size).toBe(0);
    expect(message).toMatchObject({ status: 'success', title: 'No changes: stack core' });
    expect(message.buttons).toBeUndefined();
  });

  it('says who holds a busy stack before waiting for it', async () => {
    const { run, locks, reporter } = setup();
    locks.held.set('core', { job: '3', kind: 'apply', by: 'bob', since: Date.now() });
    const waiting = run();
    await expect(waiting).resolves.toMatchObject({ title: 'Plan for stack core' });
    expect(reporter.progressTexts()[0]).toMatch(/^Stack core is busy: job 3 \(bob\) has been applying it since .* Waiting up to 30 s…$/);
  });

  it('a missing Terraform CLI fails before any lock is taken', async () => {
    const { run, stacks, locks } = setup();
    stacks.missingBinary = new OpsbotError('E_TF_MISSING', 'No terraform or tofu on this worker’s PATH.');
    await expect(run()).rejects.toMatchObject({ code: 'E_TF_MISSING' });
    expect(stacks.calls).toEqual([]);
    expect(locks.released).toEqual([]);
  });

  it('the console cannot take attachments: the full plan is written to a file it names', async () => {
    const { run, home } = setup('console');
    const message = await run();
    const path = message.fields?.find((f) => f.label === 'Full plan')?.value ?? '';
    expect(path.startsWith(join(home, 'plans'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('+ terraform_data.x');
  });
});
