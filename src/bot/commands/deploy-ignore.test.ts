import { describe, expect, it } from 'vitest';
import { bob, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { deployIgnore } from './deploy-ignore.js';

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  return { ...fakes, router: routerFor([deployIgnore], fakes.deps) };
}

describe('/deploy ignore (the Ignore button of a registry watch proposal)', () => {
  it('someone who may deploy there passes on the version: said in chat, audited, nothing queued', async () => {
    const { router, queues, audit } = setup();
    const outcome = await router.handle(command('deploy ignore web 1.5.1 staging', bob));
    expect(outcome.message.text).toBe('bob ignored web 1.5.1 for staging: it is not proposed again. /deploy web 1.5.1 staging still deploys it.');
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries[0]).toMatchObject({ actor: 'console:bob', action: 'command.deploy ignore', target: 'web@staging 1.5.1' });
  });

  it('needs the deploy right on that app and environment', async () => {
    const { router, audit } = setup();
    expect(await router.handle(command('deploy ignore web 1.5.1 staging', carol))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(audit.entries[0]).toMatchObject({ result: 'denied' });
  });

  it.each([
    ['deploy ignore web 1.5.1', /Usage: \/deploy ignore <app> <tag> <env>/],
    ['deploy ignore web bad@tag staging', /not a valid image tag or digest/],
    ['deploy ignore nosuch 1.5.1 staging', /Unknown app "nosuch"/],
  ])('%j is refused', async (line, reply) => {
    const { router, audit } = setup();
    expect((await router.handle(command(line, bob))).message.text).toMatch(reply);
    expect(audit.entries.every((e) => e.result !== 'accepted')).toBe(true);
  });
});
