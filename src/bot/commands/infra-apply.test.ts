import { describe, expect, it } from 'vitest';
import type { ApprovalResult } from '../../terraform/plan-store.js';
import { bob, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraApply } from './infra-apply.js';

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  fakes.store.add({ id: 'abcdefgh', stack: 'core', requester: carol });
  return { ...fakes, router: routerFor([infraApply], fakes.deps) };
}

describe('/infra apply', () => {
  it('the approval that completes the count queues exactly one apply job, and is audited', async () => {
    const { router, queues, store, audit } = setup();
    store.approveResult = { kind: 'start', approvals: 2 };
    const outcome = await router.handle(command('infra apply abcdefgh', bob));
    expect(outcome).toMatchObject({
      kind: 'queued',
      jobId: '100',
      message: { text: 'Plan abcdefgh approved by bob (2 of 2). Queued as job 100: apply stack core.' },
    });
    expect(queues.queued[0]).toMatchObject({ kind: 'apply', payload: { planId: 'abcdefgh', stack: 'core' }, target: 'stack core' });
    expect(store.log).toEqual(['approve abcdefgh by console:bob', 'job abcdefgh 100']);
    expect(audit.entries.find((e) => e.action === 'infra.approve')).toMatchObject({
      result: 'approved',
      detail: 'approval 2 of 2; apply job 100',
      target: 'stack core plan abcdefgh',
    });
  });

  it('a queue that is down puts the plan back to pending: the approval can be repeated', async () => {
    const { router, queues, store } = setup();
    queues.unavailable = Object.assign(new Error('down'), {});
    const outcome = await router.handle(command('infra apply abcdefgh', bob));
    expect(outcome.kind).toBe('rejected');
    expect(store.log).toEqual(['approve abcdefgh by console:bob', 'release abcdefgh']);
  });

  it.each<[ApprovalResult, string]>([
    [{ kind: 'recorded', approvals: 1 }, 'Approval 1 of 2 recorded for plan abcdefgh (stack core); waiting for 1 more approver.'],
    [{ kind: 'already', approvals: 1, as: 'console:bob' }, 'You have already approved plan abcdefgh (1 of 2 approvals); it needs another approver.'],
    [{ kind: 'applying', job: '31' }, 'Plan abcdefgh is already approved; apply job 31 is on it. Nothing more to do.'],
  ])('%j is an informational reply, nothing queued', async (result, text) => {
    const { router, queues, store } = setup();
    store.approveResult = result;
    expect(await router.handle(command('infra apply abcdefgh', bob))).toMatchObject({ kind: 'reply', message: { status: 'info', text } });
    expect(queues.queued).toHaveLength(0);
  });

  it.each<[ApprovalResult, string, string]>([
    [
      { kind: 'own', requester: 'console:bob' },
      'E_DENIED',
      'Denied: you requested plan abcdefgh; someone else must approve it (stack core does not allow requesters to approve their own plans).',
    ],
    [
      { kind: 'superseded', by: 'zzzzzzzz' },
      'E_PLAN_SUPERSEDED',
      'Plan abcdefgh was superseded by plan zzzzzzzz, a newer plan of stack core. Review and approve that one instead.',
    ],
    [
      { kind: 'rejected', by: 'console:alice' },
      'E_PLAN_REJECTED',
      'Plan abcdefgh was rejected by console:alice; it cannot be applied. Run /infra plan core for a new one.',
    ],
    [{ kind: 'missing' }, 'E_UNKNOWN_PLAN', 'There is no plan abcdefgh any more; run /infra plan core.'],
    [{ kind: 'applied', job: '30' }, 'E_PLAN_APPLIED', 'Plan abcdefgh has already been applied (job 30).'],
    [{ kind: 'failed', job: '30' }, 'E_PLAN_FAILED', 'The apply of plan abcdefgh (job 30) failed; run /infra plan core for a new one.'],
  ])('%j is refused with %s, and the denial audited', async (result, code, text) => {
    const { router, queues, store, audit } = setup();
    store.approveResult = result;
    expect(await router.handle(command('infra apply abcdefgh', bob))).toMatchObject({ kind: 'rejected', code, message: { text } });
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries.find((e) => e.action === 'infra.approve')).toMatchObject({ result: 'denied', detail: text });
  });

  it('an approval while the stack is visibly locked is not recorded', async () => {
    const { router, store, locks } = setup();
    locks.held.set('core', { job: '9', kind: 'apply', by: 'dave', since: Date.now() });
    const outcome = await router.handle(command('infra apply abcdefgh', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_STACK_LOCKED' });
    expect(outcome.message.text).toContain('Your approval was not recorded; approve again when it has finished.');
    expect(store.log).toEqual([]);
  });

  it('needs infra.approve at all', async () => {
    const { router, store } = setup();
    expect(await router.handle(command('infra apply abcdefgh', carol))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(store.log).toEqual([]);
  });
});
