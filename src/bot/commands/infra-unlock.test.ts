import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraUnlock } from './infra-unlock.js';

describe('/infra unlock', () => {
  it('an admin frees a stuck lock, naming who held it; audited', async () => {
    const { deps, locks, audit } = commandDeps(COMMANDS_CONFIG);
    locks.held.set('core', { job: '9', kind: 'apply', by: 'dave', since: Date.now() });
    const message = (await routerFor([infraUnlock], deps).handle(command('infra unlock core'))).message;
    expect(message).toMatchObject({ status: 'warning', title: 'Stack core unlocked' });
    expect(message.text).toMatch(/^Stack core is busy: job 9 \(dave\).*\nIts lock is freed\./);
    expect(locks.held.size).toBe(0);
    expect(audit.entries.find((e) => e.action === 'infra.unlock')).toMatchObject({
      actor: 'console:alice',
      target: 'stack core',
      result: 'succeeded',
    });
  });

  it('a stack that was not locked says so; a lock of a stack no longer configured can still be freed', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    const router = routerFor([infraUnlock], deps);
    expect((await router.handle(command('infra unlock core'))).message).toEqual({ text: 'Stack core was not locked.' });
    expect((await router.handle(command('infra unlock gone'))).message).toEqual({ text: 'Stack gone was not locked.' });
  });

  it('is for admins only', async () => {
    const { deps, locks } = commandDeps(COMMANDS_CONFIG);
    locks.held.set('core', { job: '9', kind: 'apply', by: 'dave', since: Date.now() });
    expect(await routerFor([infraUnlock], deps).handle(command('infra unlock core', bob))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(locks.held.size).toBe(1);
  });
  it("an approver of the stack frees its plan-to-apply lock, not a running job's; audited", async () => {
    const { deps, locks, holds, audit } = commandDeps(COMMANDS_CONFIG);
    holds.held.set('core', { person: 'console:carol', by: 'carol', since: Date.now(), source: 'branch:feature', planId: 'abcdefgh' });
    locks.held.set('core', { job: '9', kind: 'plan', by: 'dave', since: Date.now() });
    const message = (await routerFor([infraUnlock], deps).handle(command('infra unlock core', bob))).message;
    expect(message.text).toMatch(
      /^Stack core is locked for carol's branch feature since .*: that plan-to-apply lock is freed\.\nA running job's lock on stack core stays: only an admin frees it\.$/,
    );
    expect(holds.held.size).toBe(0);
    expect(locks.held.size).toBe(1);
    expect(audit.entries.find((e) => e.action === 'infra.unlock')).toMatchObject({ actor: 'console:bob', result: 'succeeded' });
  });

  it('someone who is neither admin nor approver is denied, and nothing is freed', async () => {
    const { deps, holds, audit } = commandDeps(COMMANDS_CONFIG);
    holds.held.set('core', { person: 'console:bob', by: 'bob', since: Date.now(), source: 'pr:1' });
    const carol = { platform: 'console' as const, id: 'carol', displayName: 'carol' };
    expect(await routerFor([infraUnlock], deps).handle(command('infra unlock core', carol))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(holds.held.size).toBe(1);
    expect(audit.entries.find((e) => e.action === 'infra.unlock')).toMatchObject({ result: 'denied' });
  });
});
