import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { audit } from './audit.js';

describe('/audit', () => {
  it('shows the last n entries, newest first, for admins', async () => {
    const fakes = commandDeps(COMMANDS_CONFIG);
    await fakes.audit.append({
      actor: 'console:bob',
      platform: 'console',
      action: 'command.deploy',
      target: 'web@staging',
      result: 'accepted',
      job: '4',
    });
    const message = (await routerFor([audit], fakes.deps).handle(command('audit 1'))).message;
    expect(message.title).toBe('Audit: last 1');
    expect(message.code).toBe('2026-11-25T10:00:00.000Z  console:bob  command.deploy  web@staging  accepted  job 4');
  });

  it('is for admins, and its own use is audited', async () => {
    const fakes = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([audit], fakes.deps).handle(command('audit', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(fakes.audit.entries).toEqual([expect.objectContaining({ actor: 'console:bob', action: 'command.audit', result: 'denied' })]);
  });

  it('refuses a count out of range', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    expect((await routerFor([audit], deps).handle(command('audit 500'))).message.text).toBe(
      '"500" is not a number from 1 to 200.\nUsage: /audit [n]',
    );
  });
});
