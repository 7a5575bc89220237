import { describe, expect, it } from 'vitest';
import { carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { status } from './status.js';

describe('/status', () => {
  it('queues a status job for anyone', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([status], deps).handle(command('status web prod', carol));
    expect(outcome.message.text).toBe('Queued as job 100: status of web in prod.');
    expect(queues.queued[0]).toMatchObject({ kind: 'status', payload: { app: 'web', env: 'prod' }, requester: carol });
  });

  it('needs the app', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    expect((await routerFor([status], deps).handle(command('status'))).message.text).toBe('Missing argument.\nUsage: /status <app> [env]');
  });
});
