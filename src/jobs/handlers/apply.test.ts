import { describe, expect, it } from 'vitest';
import { OpsbotError } from '../../core/errors.js';
import { sha256 } from '../../terraform/plan-store.js';
import { config, FakeLocks, FakePlanStore, FakeStacks, jobContext, FakeHolds, NO_GITHUB } from '../../../test/support/fakes.js';
import { applyJob, type ApplyPayload } from './apply.js';

const CONFIG = config(`stacks: { core: { dir: terraform/core, lockTimeout: 1m, approvers: ["console:alice"], postOutputs: true } }`);
const FILE = Buffer.from('the saved plan');

function setup() {
  const stacks = new FakeStacks();
  const store = new FakePlanStore();
  const locks = new FakeLocks();
  store.add({ id: 'abcdefgh', stack: 'core', sha256: sha256(FILE), commit: 'c'.repeat(40) }, FILE);
  const kind = applyJob({
    config: CONFIG,
    stacks,
    env: {},
    infra: { store, locks, holds: new FakeHolds(), github: NO_GITHUB, baseDir: '/srv/infra', stateHome: '/tmp/state' },
  });
  const { ctx, job } = jobContext<ApplyPayload>('apply', { planId: 'abcdefgh', stack: 'core' }, { id: '21' });
  return { run: () => kind.run(ctx), kind, job, stacks, store, locks };
}

describe('apply job', () => {
  it('claims the plan, applies exactly its file at its commit, and marks it applied', async () => {
    const { run, stacks, store, locks } = setup();
    stacks.applyEvents = [
      { type: 'apply_complete', address: 'terraform_data.x', action: 'create' },
      { type: 'change_summary', message: 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.' },
      { type: 'outputs', outputs: { id: { sensitive: false, value: 'x-1' }, token: { sensitive: true, value: 's3cret' } } },
    ] as never;
    const message = await run();
    expect(stacks.calls).toEqual([`open core at ${'c'.repeat(40)}`, `apply abcdefgh (${FILE.length} bytes)`, 'dispose core']);
    expect(store.log).toEqual(['claim abcdefgh for 21', 'finish abcdefgh applied']);
    expect(locks.released).toEqual(['core']);
    expect(message).toMatchObject({ title: 'Applied: stack core', text: 'Apply complete! Resources: 1 added, 0 changed, 0 destroyed.' });
    expect(message.code).toBe('outputs:\n  id = "x-1"\n  token = (sensitive)');
  });

  it('a plan whose bytes changed is not applied', async () => {
    const { run, stacks, store } = setup();
    store.files.set('abcdefgh', Buffer.from('tampered'));
    await expect(run()).rejects.toMatchObject({ code: 'E_PLAN_CORRUPT' });
    expect(stacks.calls).toEqual([]);
    expect(store.log).toEqual(['claim abcdefgh for 21', 'finish abcdefgh failed']);
  });

  it('a superseded plan is refused, naming the newer one; nothing applied', async () => {
    const { run, stacks, store } = setup();
    store.claimResult = { state: 'superseded', extra: 'zzzzzzzz' };
    await expect(run()).rejects.toMatchObject({ code: 'E_PLAN_SUPERSEDED', message: expect.stringContaining('superseded by plan zzzzzzzz') });
    expect(stacks.calls).toEqual([]);
  });

  it('a busy stack past its lock timeout puts the plan back to pending', async () => {
    const { run, store, locks } = setup();
    locks.busy = new OpsbotError('E_STACK_LOCKED', 'Stack core is busy.');
    await expect(run()).rejects.toMatchObject({
      code: 'E_STACK_LOCKED',
      message: 'Stack core is busy. Plan abcdefgh was not applied; approve it again when the stack is free.',
    });
    expect(store.log).toEqual(['release abcdefgh']);
  });

  it('a missing CLI releases the plan before anything else', async () => {
    const { run, stacks, store } = setup();
    stacks.missingBinary = new OpsbotError('E_TF_MISSING', 'no tofu');
    await expect(run()).rejects.toMatchObject({ code: 'E_TF_MISSING' });
    expect(store.log).toEqual(['release abcdefgh']);
  });

  it('a failed apply marks the plan failed and frees the lock', async () => {
    const { run, stacks, store, locks } = setup();
    stacks.applyError = new OpsbotError('E_TF_FAILED', 'apply failed');
    await expect(run()).rejects.toMatchObject({ code: 'E_TF_FAILED' });
    expect(store.log.at(-1)).toBe('finish abcdefgh failed');
    expect(locks.released).toEqual(['core']);
  });

  it('is never re-run: a second start is reported as interrupted, state may be partly applied', () => {
    const { kind, job } = setup();
    expect(kind.idempotent).toBe(false);
    expect(kind.interruptedMessage?.({ ...job, target: 'stack core' })).toContain('state may be partly applied; state lock may remain');
  });
});
