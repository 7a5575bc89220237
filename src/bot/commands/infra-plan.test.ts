import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { infraPlan } from './infra-plan.js';

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  return { ...fakes, router: routerFor([infraPlan], fakes.deps) };
}

describe('/infra plan', () => {
  it('queues a plan job with the extra var file', async () => {
    const { router, queues } = setup();
    const outcome = await router.handle(command('infra plan core --var-file env/prod.tfvars'));
    expect(outcome).toMatchObject({ kind: 'queued', message: { text: 'Queued as job 100: plan stack core.' } });
    expect(queues.queued[0]).toMatchObject({ kind: 'plan', payload: { stack: 'core', varFiles: ['env/prod.tfvars'] }, target: 'stack core' });
  });

  it('a visibly locked stack is refused at once, naming the holder', async () => {
    const { router, queues, locks } = setup();
    locks.held.set('core', { job: '9', kind: 'plan', by: 'dave', since: Date.now() });
    const outcome = await router.handle(command('infra plan core'));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_STACK_LOCKED' });
    expect(outcome.message.text).toMatch(
      /^Stack core is busy: job 9 \(dave\) has been planning it since .* Try again when it has finished \(\/infra locks\)\.$/,
    );
    expect(queues.queued).toHaveLength(0);
  });

  it.each([
    ['infra plan Core', '"Core" is not a stack name (lowercase letters, digits and \'-\'). Known stacks: core.'],
    ['infra plan edge', 'There is no stack "edge". Known stacks: core.'],
    ['infra plan core --var-file ../../etc/passwd', '--var-file "../../etc/passwd" must be a relative path inside the stack\'s repository'],
    ['infra plan core --target x', 'Unknown option --target.'],
    ['infra plan core --branch', '--branch needs a branch name.'],
    ['infra plan core --pr', '--pr needs a pull request number.'],
    ['infra plan core --pr true', '--pr needs a pull request number, not "true".'],
  ])('%j is refused, nothing queued', async (line, reply) => {
    const { router, queues } = setup();
    expect((await router.handle(command(line))).message.text).toContain(reply);
    expect(queues.queued).toHaveLength(0);
  });

  it('needs infra.plan on the stack', async () => {
    const { router } = setup();
    expect(await router.handle(command('infra plan core', bob))).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
  });
});
