import { describe, expect, it } from 'vitest';
import { bob, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraReject } from './infra-reject.js';

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  fakes.store.add({ id: 'abcdefgh', stack: 'core', requester: carol });
  return { ...fakes, router: routerFor([infraReject], fakes.deps) };
}

describe('/infra reject', () => {
  it('an approver rejects a pending plan: audited, nothing will be applied', async () => {
    const { router, store, audit } = setup();
    const outcome = await router.handle(command('infra reject abcdefgh core', bob));
    expect(outcome).toEqual({
      kind: 'reply',
      message: { status: 'warning', title: 'Plan abcdefgh rejected', text: 'bob rejected plan abcdefgh of stack core. Nothing will be applied.' },
    });
    expect((await store.get('abcdefgh'))?.state).toBe('rejected');
    expect(audit.entries.find((e) => e.action === 'infra.reject')).toMatchObject({ result: 'rejected', detail: 'rejected by console:bob' });
  });

  it('the requester may withdraw their own plan without the approve right', async () => {
    const { router } = setup();
    expect((await router.handle(command('infra reject abcdefgh', carol))).kind).toBe('reply');
  });

  it('anyone else is denied, and the denial audited', async () => {
    const { router, store, audit } = setup();
    const dave = { platform: 'console' as const, id: 'dave', displayName: 'dave' };
    expect(await router.handle(command('infra reject abcdefgh', dave))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(store.log).toEqual([]);
    expect(audit.entries.find((e) => e.action === 'infra.approve')).toMatchObject({ result: 'denied' });
  });

  it('only a pending plan can be rejected', async () => {
    const { router, store } = setup();
    store.plans.get('abcdefgh')!.state = 'applied';
    expect((await router.handle(command('infra reject abcdefgh', bob))).message.text).toBe(
      'Plan abcdefgh is applied; only a pending plan can be rejected.',
    );
  });
});
