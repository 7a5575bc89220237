import { describe, expect, it } from 'vitest';
import { alice, bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraForceUnlock } from './infra-force-unlock.js';

const LOCK = '0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a';
const carol = { platform: 'console' as const, id: 'carol', displayName: 'carol' };

function setup() {
  const all = commandDeps(COMMANDS_CONFIG);
  return { ...all, router: routerFor([infraForceUnlock], all.deps) };
}

describe('/infra force-unlock', () => {
  it('the first asks (a Confirm button), the requester cannot confirm, another approver queues the job; all audited', async () => {
    const { router, queues, audit, unlocks } = setup();
    const asked = await router.handle(command(`infra force-unlock core ${LOCK}`, alice));
    expect(asked.kind).toBe('reply');
    expect(asked.message).toMatchObject({ status: 'warning', title: 'Force-unlock of stack core requested' });
    expect(asked.message.text).toContain(
      `alice asks to remove Terraform's state lock ${LOCK} of stack core. An approver of the stack other than alice must confirm`,
    );
    expect(asked.message.buttons).toEqual([
      {
        action: { command: 'infra force-unlock', args: ['core', LOCK] },
        label: 'Confirm force-unlock',
        style: 'danger',
        confirm: `Remove Terraform's state lock ${LOCK} of stack core? Only if no run holds it any more.`,
      },
    ]);

    const own = await router.handle(command(`infra force-unlock core ${LOCK}`, alice));
    expect(own).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(own.message.text).toContain('you asked for this force-unlock; an approver of stack core other than you must confirm it');
    expect(queues.queued).toHaveLength(0);

    const confirmed = await router.handle(command(`infra force-unlock core ${LOCK}`, bob));
    expect(confirmed).toMatchObject({ kind: 'queued', jobId: '100' });
    expect(confirmed.message.text).toBe(
      `Force-unlock of stack core (lock ${LOCK}, asked by alice) confirmed by bob. Queued as job 100: force-unlock stack core.`,
    );
    expect(queues.queued[0]).toMatchObject({
      kind: 'force-unlock',
      payload: { stack: 'core', lockId: LOCK, requestedBy: 'alice' },
      target: 'stack core',
      requester: bob,
    });
    expect(unlocks.pending.size).toBe(0);
    expect(audit.entries.filter((e) => e.action === 'infra.force-unlock').map((e) => [e.actor, e.result])).toEqual([
      ['console:alice', 'accepted'],
      ['console:alice', 'denied'],
      ['console:bob', 'approved'],
    ]);
  });

  it('someone without the approve right cannot confirm, nor ask without infra.plan; nothing queued', async () => {
    const { router, queues, audit } = setup();
    expect(await router.handle(command(`infra force-unlock core ${LOCK}`, carol))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    await router.handle(command(`infra force-unlock core ${LOCK}`, alice));
    const denied = await router.handle(command(`infra force-unlock core ${LOCK}`, carol));
    expect(denied).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(denied.message.text).toContain('you are not an approver of stack core');
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries.filter((e) => e.action === 'infra.force-unlock' && e.result === 'denied')).toHaveLength(2);
  });

  it('refuses a malformed lock id, an unknown stack and a bad stack name before anything is recorded', async () => {
    const { router, unlocks, audit } = setup();
    for (const [line, code] of [
      ['infra force-unlock core not-a-lock-id', 'E_USAGE'],
      ['infra force-unlock core 0B5E2A4C-5D1F-4C7E-9A3B-1F2E3D4C5B6A', 'E_USAGE'],
      ['infra force-unlock core $(reboot)', 'E_BAD_ARGUMENT'],
      ['infra force-unlock core 0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a;rm', 'E_BAD_ARGUMENT'],
      ['infra force-unlock core 0b5e2a4c-5d1f-4c7e-9a3b-1f2e3d4c5b6a0', 'E_USAGE'],
      [`infra force-unlock core ${LOCK} extra`, 'E_USAGE'],
      ['infra force-unlock core', 'E_USAGE'],
      [`infra force-unlock Core ${LOCK}`, 'E_USAGE'],
      [`infra force-unlock nosuch ${LOCK}`, 'E_UNKNOWN_STACK'],
    ] as const) {
      expect(await router.handle(command(line)), line).toMatchObject({ kind: 'rejected', code });
    }
    const bad = await router.handle(command('infra force-unlock core not-a-lock-id'));
    expect(bad.message.text).toContain('"not-a-lock-id" is not a state lock id');
    expect(unlocks.pending.size).toBe(0);
    expect(audit.entries.filter((e) => e.action === 'infra.force-unlock')).toHaveLength(0);
  });

  it('while a job of opsbot runs on the stack the confirmation is refused and the request stands; a failed enqueue keeps it too', async () => {
    const { router, queues, locks, unlocks } = setup();
    await router.handle(command(`infra force-unlock core ${LOCK}`, alice));
    locks.held.set('core', { job: '7', kind: 'apply', by: 'dave', since: Date.now() });
    const busy = await router.handle(command(`infra force-unlock core ${LOCK}`, bob));
    expect(busy).toMatchObject({ kind: 'rejected', code: 'E_STACK_LOCKED' });
    expect(busy.message.text).toContain('Stack core is busy: job 7 (dave) has been applying it');
    expect(unlocks.pending.size).toBe(1);
    locks.held.clear();
    queues.unavailable = new Error('queue down');
    expect((await router.handle(command(`infra force-unlock core ${LOCK}`, bob))).kind).toBe('rejected');
    expect(unlocks.pending.size).toBe(1);
    queues.unavailable = undefined;
    expect((await router.handle(command(`infra force-unlock core ${LOCK}`, bob))).kind).toBe('queued');
  });
});
