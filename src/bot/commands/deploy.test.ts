import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { deploy } from './deploy.js';

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  return { ...fakes, router: routerFor([deploy], fakes.deps) };
}

describe('/deploy', () => {
  it('queues a deploy job for the asking conversation and answers at once', async () => {
    const { router, queues, audit } = setup();
    const outcome = await router.handle(command('deploy web 1.5.0 staging'));
    expect(outcome).toEqual({ kind: 'queued', jobId: '100', message: { status: 'progress', text: 'Queued as job 100: deploy web 1.5.0 to staging.' } });
    expect(queues.queued).toEqual([expect.objectContaining({ kind: 'deploy', payload: { verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }, target: 'web@staging' })]);
    expect(audit.entries).toEqual([expect.objectContaining({ actor: 'console:alice', action: 'command.deploy', target: 'web@staging', result: 'accepted', job: '100' })]);
  });

  it('says when a protected environment goes through a pull request; digests are tags too', async () => {
    const { router } = setup();
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect((await router.handle(command(`deploy web ${digest} prod`))).message.text).toBe(`Queued as job 100: deploy web ${digest} to prod (protected: through a pull request).`);
  });

  it.each([
    ['deploy web', 'Missing argument.\nUsage: /deploy <app> <tag> [env]'],
    ['deploy web ../x staging', '"../x" is not a valid image tag or digest'],
    ['deploy nope 1.0', 'Unknown app "nope"'],
    ['deploy web 1.0', 'web has several environments (staging, prod): say which.'],
  ])('%j is refused with a clear reply and nothing queued', async (line, reply) => {
    const { router, queues } = setup();
    const outcome = await router.handle(command(line));
    expect(outcome.kind).toBe('rejected');
    expect(outcome.message.text).toContain(reply);
    expect(queues.queued).toHaveLength(0);
  });

  it('is denied where the access rules do not allow it, and the denial is audited', async () => {
    const { router, queues, audit } = setup();
    const outcome = await router.handle(command('deploy web 2.0.0 prod', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(outcome.message.text).toMatch(/^Denied: console:bob may not deploy on app web, environment prod/);
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries[0]).toMatchObject({ result: 'denied', action: 'command.deploy' });
  });
});
