import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { diagnose } from './diagnose.js';

describe('/diagnose', () => {
  it('queues a diagnose job for an admin', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([diagnose], deps).handle(command('diagnose'));
    expect(outcome).toMatchObject({ kind: 'queued', message: { text: 'Queued as job 100: diagnose.' } });
    expect(queues.queued[0]).toMatchObject({ kind: 'diagnose', payload: {}, target: 'worker' });
  });

  it('is for admins only: it reveals versions and paths', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    expect(await routerFor([diagnose], deps).handle(command('diagnose', bob))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(queues.queued).toHaveLength(0);
  });
});
