import { describe, expect, it } from 'vitest';
import { carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraDrift } from './infra-drift.js';

describe('/infra drift', () => {
  it('queues one drift check of the stack for the asking conversation', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await routerFor([infraDrift], deps).handle(command('infra drift core'));
    expect(outcome).toMatchObject({ kind: 'queued', message: { text: 'Queued as job 100: drift check of stack core.' } });
    expect(queues.queued).toMatchObject([{ kind: 'drift', payload: { stack: 'core' }, target: 'stack core' }]);
  });

  it.each([
    ['infra drift nope', 'E_UNKNOWN_STACK'],
    ['infra drift ../x', 'E_USAGE'],
    ['infra drift', 'E_USAGE'],
  ])('%s is refused (%s), nothing queued', async (line, code) => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    expect(await routerFor([infraDrift], deps).handle(command(line))).toMatchObject({ kind: 'rejected', code });
    expect(queues.queued).toHaveLength(0);
  });

  it('needs infra.plan on the stack', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    expect(await routerFor([infraDrift], deps).handle(command('infra drift core', carol))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(queues.queued).toHaveLength(0);
  });
});
