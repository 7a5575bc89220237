import { describe, expect, it } from 'vitest';
import { bob, BOTS_CONFIG, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { deploy } from './deploy.js';

/** The reply says what was wrong (`code`, or just a rejection) and the queue stays empty. */
async function refusedWithNothingQueued(
  { router, queues }: { router: ReturnType<typeof routerFor>; queues: { queued: unknown[] } },
  line: string,
  code: string,
  reply: string,
) {
  const outcome = await router.handle(command(line));
  expect(outcome).toMatchObject(code === 'rejected' ? { kind: 'rejected' } : { kind: 'rejected', code });
  expect(outcome.message.text).toContain(reply);
  expect(queues.queued).toHaveLength(0);
}

function setup() {
  const fakes = commandDeps(COMMANDS_CONFIG);
  return { ...fakes, router: routerFor([deploy], fakes.deps) };
}

describe('/deploy', () => {
  it('queues a deploy job for the asking conversation and answers at once', async () => {
    const { router, queues, audit } = setup();
    const outcome = await router.handle(command('deploy web 1.5.0 staging'));
    expect(outcome).toEqual({
      kind: 'queued',
      jobId: '100',
      message: { status: 'progress', text: 'Queued as job 100: deploy web 1.5.0 to staging.' },
    });
    expect(queues.queued).toEqual([
      expect.objectContaining({ kind: 'deploy', payload: { verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }, target: 'web@staging' }),
    ]);
    expect(audit.entries).toEqual([
      expect.objectContaining({ actor: 'console:alice', action: 'command.deploy', target: 'web@staging', result: 'accepted', job: '100' }),
    ]);
  });

  it('says when a protected environment goes through a pull request; digests are tags too', async () => {
    const { router } = setup();
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect((await router.handle(command(`deploy web ${digest} prod`))).message.text).toBe(
      `Queued as job 100: deploy web ${digest} to prod (protected: through a pull request).`,
    );
  });

  it.each([
    ['deploy web', 'Missing argument.\nUsage: /deploy <app|group> <tag> [env]'],
    ['deploy web ../x staging', '"../x" is not a valid image tag or digest'],
    ['deploy nope 1.0', 'Unknown app "nope"'],
    ['deploy web 1.0', 'web has several environments (staging, prod): say which.'],
  ])('%j is refused with a clear reply and nothing queued', (line, reply) => refusedWithNothingQueued(setup(), line, 'rejected', reply));

  it('is denied where the access rules do not allow it, and the denial is audited', async () => {
    const { router, queues, audit } = setup();
    const outcome = await router.handle(command('deploy web 2.0.0 prod', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(outcome.message.text).toMatch(/^Denied: console:bob may not deploy on app web, environment prod/);
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries[0]).toMatchObject({ result: 'denied', action: 'command.deploy' });
  });
});

const GROUP_CONFIG = `${BOTS_CONFIG.replace(
  'appGroups:',
  `  api:
    image: ghcr.io/example/api
    environments:
      prod: { kind: helm-values, path: api/values.yaml }
  web:
    image: ghcr.io/example/web
    environments:
      prod: { kind: kustomize, path: web/kustomization.yaml, protected: true }
appGroups:
  guarded: [bot-prod, web]`,
)}
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy]
    - subjects: ["console:bob"]
      actions: [deploy]
      apps: [bot-mat, api]
`;

describe('/deploy of several apps', () => {
  const setupGroup = () => {
    const fakes = commandDeps(GROUP_CONFIG);
    return { ...fakes, router: routerFor([deploy], fakes.deps) };
  };

  it.each([
    [
      'deploy bots 1.5.0 prod',
      { apps: ['bot-mat', 'bot-prod'], env: 'prod', ref: '1.5.0', group: 'bots' },
      'bots@prod',
      'Queued as job 100: deploy bots (bot-mat, bot-prod) 1.5.0 to prod in one commit.',
    ],
    [
      'deploy guarded 1.5.0 prod',
      { apps: ['bot-prod', 'web'], env: 'prod', ref: '1.5.0', group: 'guarded' },
      'guarded@prod',
      'Queued as job 100: deploy guarded (bot-prod, web) 1.5.0 to prod in one pull request (protected).',
    ],
    [
      'deploy api,bot-prod 1.5.0',
      { apps: ['api', 'bot-prod'], env: 'prod', ref: '1.5.0' },
      'api,bot-prod@prod',
      'Queued as job 100: deploy api, bot-prod 1.5.0 to prod in one commit.',
    ],
  ])('%j queues one deploy-group job', async (line, payload, target, reply) => {
    const { router, queues, audit } = setupGroup();
    const outcome = await router.handle(command(line));
    expect(outcome.message.text).toBe(reply);
    expect(queues.queued).toEqual([expect.objectContaining({ kind: 'deploy-group', payload, target })]);
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'command.deploy', target, result: 'accepted' })]);
  });

  it.each([
    ['deploy bots 1.5.0', 'E_USAGE', 'bots: say which environment (bot-mat: prod, staging; bot-prod: prod).'],
    [
      'deploy bots 1.5.0 staging',
      'E_UNKNOWN_ENV',
      'bot-prod has no environment "staging" (bot-prod: prod): a group deploy changes every app or none, so nothing was deployed.',
    ],
    ['deploy bot-mat,nope 1.5.0 prod', 'E_UNKNOWN_APP', 'Unknown app "nope" in bot-mat,nope.'],
    ['deploy bot-mat,bot-mat 1.5.0 prod', 'E_USAGE', 'bot-mat is listed twice in bot-mat,bot-mat: name each app once.'],
    ['deploy bot-mat,,api 1.5.0 prod', 'E_USAGE', '"bot-mat,,api" has an empty name'],
    ['deploy bots,api 1.5.0 prod', 'E_USAGE', 'bots is an app group: deploy it on its own (/deploy bots …), or list its apps (bot-mat,bot-prod).'],
    [`deploy api,bot-mat sha256:${'ab'.repeat(32)} prod`, 'E_BAD_TAG', 'api: api/values.yaml: image.tag takes a tag, not a digest'],
  ])('%j is refused, nothing queued', (line, code, reply) => refusedWithNothingQueued(setupGroup(), line, code, reply));

  it('needs deploy on every member: the refusal names the app not allowed', async () => {
    const { router, queues, audit } = setupGroup();
    const outcome = await router.handle(command('deploy bots 1.5.0 prod', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(outcome.message.text).toMatch(/^Denied: console:bob may not deploy on app bot-prod, environment prod/);
    expect(queues.queued).toHaveLength(0);
    expect(audit.entries[0]).toMatchObject({ result: 'denied', target: 'bots@prod' });
    expect((await router.handle(command('deploy bot-mat,api 1.5.0 prod', bob))).kind).toBe('queued');
  });

  it('a single app still checks that its location takes the reference', async () => {
    const { router, queues } = setupGroup();
    const outcome = await router.handle(command(`deploy api sha256:${'ab'.repeat(32)} prod`));
    expect(outcome.message.text).toContain('api/values.yaml: image.tag takes a tag, not a digest');
    expect(queues.queued).toHaveLength(0);
  });
});
