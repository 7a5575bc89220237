import { describe, expect, it } from 'vitest';
import { TerraformError } from './errors.js';
import { isLockId } from './state-lock.js';
import { toOpsbotError } from './stack-run.js';

const LOCK = '0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a';
const held = (id: string) =>
  new TerraformError('E_STATE_LOCKED', 'the state is locked', { lock: { id, who: 'opsbot@worker-1', operation: 'OperationTypeApply', created: '2026-12-07 03:30:00.1 +0000 UTC' } });

describe('a held state lock in chat', () => {
  it('names holder, operation, time and lock id, and offers /infra force-unlock with a button', () => {
    const err = toOpsbotError(held(LOCK), 'core');
    expect(err.code).toBe('E_STATE_LOCKED');
    expect(err.userMessage).toBe(
      `The Terraform state of stack core is locked by opsbot@worker-1 (OperationTypeApply since 2026-12-07 03:30:00.1 +0000 UTC); lock id ${LOCK}. ` +
        `If no run holds it any more (an apply that was killed), free it with /infra force-unlock core ${LOCK} — an approver of the stack other than you must confirm.`,
    );
    expect(err.buttons).toEqual([{ action: { command: 'infra force-unlock', args: ['core', LOCK] }, label: 'Force-unlock', style: 'danger', confirm: expect.stringContaining(LOCK) }]);
  });

  it('a lock id opsbot would not pass on is named, with no offer', () => {
    const err = toOpsbotError(held('x y'), 'core');
    expect(err.userMessage).toBe('The Terraform state of stack core is locked by opsbot@worker-1 (OperationTypeApply since 2026-12-07 03:30:00.1 +0000 UTC); lock id x y.');
    expect(err.buttons).toBeUndefined();
  });

  it('an apply killed with SIGKILL on a remote backend points at the next plan and /infra force-unlock', () => {
    const killed = new TerraformError('E_TF_CANCELLED', 'tofu apply cancelled', { termination: 'SIGKILL', cli: 'tofu' });
    expect(toOpsbotError(killed, 'core').userMessage).toBe(
      'Cancelled: tofu did not stop after SIGINT within the grace period and was killed (SIGKILL). The state lock may remain (a remote backend keeps it until it is force-unlocked): ' +
        'check the stack, then run a new plan — if the lock remains, the plan names its lock id and offers /infra force-unlock core <lock id>.',
    );
  });

  it('lock ids: UUIDs as tofu makes them, or a gcs generation; nothing else', () => {
    expect([LOCK, '1733542200123456'].map(isLockId)).toEqual([true, true]);
    expect([LOCK.toUpperCase(), `${LOCK}0`, '-force', '', 'a'.repeat(36), '1'.repeat(21)].map(isLockId)).toEqual([false, false, false, false, false, false]);
  });
});
