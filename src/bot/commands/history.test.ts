import { describe, expect, it } from 'vitest';
import { carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { history } from './history.js';

const run = async (line: string) => {
  const { deps, queues } = commandDeps(COMMANDS_CONFIG);
  return { outcome: await routerFor([history], deps).handle(command(line, carol)), queues };
};

describe('/history', () => {
  it.each([
    ['history web staging', { app: 'web', env: 'staging', n: 10 }],
    ['history web staging 5', { app: 'web', env: 'staging', n: 5 }],
    ['history api 3', { app: 'api', env: 'prod', n: 3 }],
  ])('%j queues a history job (open to everyone)', async (line, payload) => {
    const { outcome, queues } = await run(line);
    expect(outcome.kind).toBe('queued');
    expect(queues.queued[0]).toMatchObject({ kind: 'history', payload });
  });

  it.each([
    ['history web staging 0', '"0" is not a number from 1 to 50.'],
    ['history web staging 51', '"51" is not a number from 1 to 50.'],
    ['history web staging prod 3', 'Too many arguments.'],
  ])('%j is refused', async (line, reply) => {
    const { outcome, queues } = await run(line);
    expect(outcome.message.text).toContain(reply);
    expect(queues.queued).toHaveLength(0);
  });
});
