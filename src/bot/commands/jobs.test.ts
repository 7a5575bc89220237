import { describe, expect, it } from 'vitest';
import { carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { age, jobs } from './jobs.js';

describe('/jobs', () => {
  it('lists recent jobs with state, target, requester and age', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    queues.summaries.set('12', {
      id: '12',
      kind: 'deploy',
      state: 'completed',
      outcome: 'succeeded',
      requester: carol,
      target: 'web@prod',
      createdAt: new Date(Date.now() - 150_000).toISOString(),
    });
    queues.summaries.set('13', {
      id: '13',
      kind: 'plan',
      state: 'active',
      requester: carol,
      target: 'stack core',
      createdAt: new Date().toISOString(),
    });
    const message = (await routerFor([jobs], deps).handle(command('jobs 5', carol))).message;
    expect(message.title).toBe('Jobs');
    expect(message.code?.split('\n')).toEqual([
      'id  kind    state      target      requester      age',
      '12  deploy  succeeded  web@prod    console:carol  2m',
      '13  plan    active     stack core  console:carol  0s',
    ]);
  });

  it('says when there are none, and refuses a count out of range', async () => {
    const { deps } = commandDeps(COMMANDS_CONFIG);
    const router = routerFor([jobs], deps);
    expect((await router.handle(command('jobs'))).message.text).toBe('No jobs yet.');
    expect((await router.handle(command('jobs 99'))).message.text).toBe('"99" is not a number from 1 to 50.\nUsage: /jobs [n]');
  });

  it.each([
    [59_000, '59s'],
    [61_000, '1m'],
    [2 * 3600_000, '2h'],
    [3 * 86400_000, '3d'],
  ])('age(%d) = %s', (ms, text) => expect(age(ms)).toBe(text));
});
