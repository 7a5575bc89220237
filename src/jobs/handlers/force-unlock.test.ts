import { describe, expect, it } from 'vitest';
import { OpsbotError } from '../../core/errors.js';
import { bob, config, FakeHolds, FakeLocks, FakePlanStore, FakeStacks, jobContext, NO_GITHUB } from '../../../test/support/fakes.js';
import { forceUnlockJob, type ForceUnlockPayload } from './force-unlock.js';

const CONFIG = config(`stacks: { core: { dir: terraform/core, approvers: ["console:alice", "console:bob"] } }`);
const LOCK = '0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a';

function setup(payload: ForceUnlockPayload = { stack: 'core', lockId: LOCK, requestedBy: 'alice' }) {
  const stacks = new FakeStacks();
  const locks = new FakeLocks();
  const kind = forceUnlockJob({
    config: CONFIG,
    stacks,
    env: {},
    infra: { store: new FakePlanStore(), locks, holds: new FakeHolds(), github: NO_GITHUB, baseDir: '/srv/infra', stateHome: '/tmp/state' },
  });
  const { ctx } = jobContext<ForceUnlockPayload>('force-unlock', payload, { id: '31', requester: bob });
  return { run: () => kind.run(ctx), kind, stacks, locks };
}

describe('force-unlock job', () => {
  it('under the stack lock, opens the stack and force-unlocks exactly that lock id', async () => {
    const { run, stacks, locks } = setup();
    const message = await run();
    expect(stacks.calls).toEqual(['open core', `force-unlock core ${LOCK}`, 'dispose core']);
    expect(locks.released).toEqual(['core']);
    expect(message).toMatchObject({ status: 'success', title: 'Stack core: state unlocked' });
    expect(message.text).toBe(
      `Terraform's state lock ${LOCK} of stack core is removed (asked by alice, confirmed by bob). Run /infra plan core to see where the state stands.`,
    );
  });

  it("tofu's refusal (not the held lock) fails the job with its words; the stack lock is freed", async () => {
    const { run, stacks, locks } = setup();
    stacks.unlockError = new OpsbotError(
      'E_TF_FAILED',
      'tofu force-unlock failed (exit 1): Failed to unlock state: lock id "x" does not match existing lock',
    );
    await expect(run()).rejects.toMatchObject({ code: 'E_TF_FAILED', message: expect.stringContaining('does not match existing lock') });
    expect(locks.released).toEqual(['core']);
  });

  it('a busy stack is refused without running anything; a bad lock id or unknown stack never reaches tofu', async () => {
    const busy = setup();
    busy.locks.busy = new OpsbotError('E_STACK_LOCKED', 'Stack core is busy: job 9 (dave) has been applying it since …');
    await expect(busy.run()).rejects.toMatchObject({ code: 'E_STACK_LOCKED' });
    expect(busy.kind.answers?.E_STACK_LOCKED).toBe('refused');
    expect(busy.stacks.calls).toEqual([]);
    const bad = setup({ stack: 'core', lockId: '--help', requestedBy: 'alice' });
    await expect(bad.run()).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(bad.stacks.calls).toEqual([]);
    const unknown = setup({ stack: 'nosuch', lockId: LOCK, requestedBy: 'alice' });
    await expect(unknown.run()).rejects.toMatchObject({ code: 'E_UNKNOWN_STACK' });
    expect(unknown.stacks.calls).toEqual([]);
  });
});
