import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../jobs/queues.js';
import { alice, bob, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { cancel } from './cancel.js';

const job = (requester = carol): JobSummary => ({
  id: '12',
  kind: 'deploy',
  state: 'waiting',
  requester,
  target: 'web@staging',
  createdAt: new Date().toISOString(),
});

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  return { ...fakes, router: routerFor([cancel], fakes.deps) };
}

describe('/cancel', () => {
  it('the requester may cancel their own waiting job; its conversation hears the last word', async () => {
    const { router, queues, outbox } = setup();
    queues.summaries.set('12', { ...job(), conversation: { platform: 'slack', channel: 'C1' } });
    const outcome = await router.handle(command('cancel 12', carol));
    expect(outcome.message.text).toBe('Job 12 was cancelled before it started.');
    expect(queues.cancelled).toEqual(['12']);
    expect(outbox.events).toEqual([
      {
        conversation: { platform: 'slack', channel: 'C1' },
        key: 'job:12',
        message: { status: 'warning', title: 'Cancelled', text: 'Job 12 was cancelled before it started by carol.' },
        final: 'cancelled',
      },
    ]);
  });

  it('someone else’s job needs the cancel right', async () => {
    const { router, queues } = setup();
    queues.summaries.set('12', job());
    expect((await router.handle(command('cancel 12', bob))).message.text).toBe(
      "Job 12 was requested by carol; cancelling someone else's job needs the cancel right.",
    );
    expect(queues.cancelled).toEqual([]);
    expect((await router.handle(command('cancel 12', alice))).kind).toBe('reply');
    expect(queues.cancelled).toEqual(['12']);
  });

  it('a running job is asked to stop; a finished one is left alone', async () => {
    const { router, queues } = setup();
    queues.summaries.set('12', job());
    queues.cancelResult = 'signalled';
    expect((await router.handle(command('cancel 12', carol))).message.text).toBe('Job 12 is running; it has been asked to stop.');
    queues.cancelResult = 'finished';
    expect((await router.handle(command('cancel 12', carol))).message.text).toBe('Job 12 has already finished (waiting).');
  });

  it.each([
    ['cancel 99', 'There is no job 99. /jobs lists recent ones.'],
    ['cancel twelve', '"twelve" is not a job id (a number, as /jobs shows).\nUsage: /cancel <job-id>'],
  ])('%j is refused', async (line, reply) => {
    const { router, queues } = setup();
    expect((await router.handle(command(line))).message.text).toBe(reply);
    expect(queues.cancelled).toEqual([]);
  });
});
