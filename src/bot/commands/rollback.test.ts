import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { rollback } from './rollback.js';

describe('/rollback', () => {
  it('queues a deploy job without a tag: the job reads the previous one from history', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([rollback], deps).handle(command('rollback web staging'));
    expect(outcome.message.text).toBe('Queued as job 100: roll back web in staging.');
    expect(queues.queued[0]).toMatchObject({ kind: 'deploy', payload: { verb: 'rollback', app: 'web', env: 'staging' }, target: 'web@staging' });
  });

  it('needs the rollback right', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([rollback], deps).handle(command('rollback web staging', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(queues.queued).toHaveLength(0);
  });

  it('refuses extra arguments', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    expect((await routerFor([rollback], deps).handle(command('rollback web staging now'))).message.text).toBe('Too many arguments.\nUsage: /rollback <app> [env] [--to <tag>]');
  });
});
