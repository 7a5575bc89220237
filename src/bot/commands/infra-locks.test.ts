import { describe, expect, it } from 'vitest';
import { carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraLocks } from './infra-locks.js';

describe('/infra locks', () => {
  it('lists the locked stacks with their holders, for anyone who may see jobs', async () => {
    const { deps, locks } = commandDeps(COMMANDS_CONFIG);
    locks.held.set('core', { job: '9', kind: 'apply', by: 'dave', since: Date.now() - 5000 });
    const message = (await routerFor([infraLocks], deps).handle(command('infra locks', carol))).message;
    expect(message.title).toBe('Locked stacks');
    expect(message.code).toMatch(
      /^Stack core is busy: job 9 \(dave\) has been applying it since .* \(lease renews; expires in 30 s if its worker stops\)$/,
    );
    expect(message.context).toBe('A stuck lock: /infra unlock <stack> (admins, or for a plan-to-apply lock an approver of the stack).');
  });

  it('shows a plan-to-apply lock: who, since when, which pull request', async () => {
    const { deps, holds } = commandDeps(COMMANDS_CONFIG);
    holds.held.set('core', {
      person: 'console:bob',
      by: 'bob',
      since: Date.parse('2026-11-30T00:00:00Z'),
      source: 'pr:7',
      pr: { number: 7, url: 'https://github.com/o/r/pull/7' },
      planId: 'abcdefgh',
    });
    const message = (await routerFor([infraLocks], deps).handle(command('infra locks', carol))).message;
    expect(message.code).toMatch(
      /^Stack core is locked for bob's pull request #7 \(https:\/\/github.com\/o\/r\/pull\/7\) since 2026-11-30T00:00:00.000Z \(\d+ min ago\), plan abcdefgh \(plan-to-apply; frees on apply, rejection, merge or in 1 min\)$/,
    );
  });

  it('says when no stack is locked', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    expect((await routerFor([infraLocks], deps).handle(command('infra locks', carol))).message).toEqual({ text: 'No stack is locked.' });
  });
});
