import { describe, expect, it } from 'vitest';
import { bob, BOTS_CONFIG, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
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
    expect((await routerFor([rollback], deps).handle(command('rollback web staging now'))).message.text).toBe(
      'Too many arguments.\nUsage: /rollback <app> [env] [--to <tag>]',
    );
  });

  it('an app group is rolled back app by app: the reply says how, nothing queued', async () => {
    const { deps, queues } = commandDeps(`${BOTS_CONFIG}access: { rules: [ { subjects: ["console:alice"], actions: [rollback] } ] }\n`);
    const outcome = await routerFor([rollback], deps).handle(command('rollback bots prod'));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_USAGE' });
    expect(outcome.message.text).toBe(
      'bots is an app group: roll back each app (/rollback bot-mat prod), or deploy the group at the earlier tag (/deploy bots <tag> prod).\nUsage: /rollback <app> [env] [--to <tag>]',
    );
    expect(queues.queued).toHaveLength(0);
  });
});
