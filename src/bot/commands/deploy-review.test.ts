import { describe, expect, it } from 'vitest';
import type { Review } from '../../gitops/review-store.js';
import { alice, bob, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { deployApprove, deployReject } from './deploy-review.js';

const REVIEW: Review = {
  id: '12',
  app: 'web',
  env: 'staging',
  ref: '1.5.0',
  branch: 'opsbot/web-staging-1.5.0',
  pr: 42,
  url: 'https://github.example/pr/42',
  headSha: 'h'.repeat(40),
  requester: 'console:alice',
  state: 'pending',
};

async function setup(yaml = COMMANDS_CONFIG) {
  const fakes = commandDeps(yaml);
  await fakes.reviews.put(REVIEW);
  return { ...fakes, router: routerFor([deployApprove, deployReject], fakes.deps) };
}

describe('/deploy approve and /deploy reject', () => {
  it('someone allowed to deploy there approves once: audited, and a review job merges it', async () => {
    const { router, queues, audit, reviews } = await setup();
    const outcome = await router.handle(command('deploy approve 12', bob));
    expect(outcome).toMatchObject({
      kind: 'queued',
      message: { text: 'Approved: pull request #42 of job 12 (web 1.5.0 → staging); job 100 merges it.' },
    });
    expect(queues.queued[0]).toMatchObject({ kind: 'review', payload: { id: '12', decision: 'approved' }, target: 'web@staging' });
    expect(audit.entries[0]).toMatchObject({
      actor: 'console:bob',
      action: 'deploy.approve',
      target: 'web@staging',
      result: 'approved',
      detail: REVIEW.url,
      job: '12',
    });
    expect((await reviews.get('12'))?.state).toBe('approved');
  });

  it('a second decision changes nothing and names who decided', async () => {
    const { router, queues } = await setup();
    await router.handle(command('deploy approve 12', bob));
    const again = await router.handle(command('deploy reject 12', alice));
    expect(again).toMatchObject({
      kind: 'rejected',
      code: 'E_ALREADY_DECIDED',
      message: { text: 'Job 12 was already approved by console:bob; nothing changed.' },
    });
    expect(queues.queued).toHaveLength(1);
  });

  it('the requester may reject but not approve their own deploy (unless the config allows it)', async () => {
    const { router, queues } = await setup();
    expect((await router.handle(command('deploy approve 12', alice))).message.text).toBe(
      'Denied: you asked for this deploy; someone else must approve it.',
    );
    expect(queues.queued).toHaveLength(0);
    expect((await router.handle(command('deploy reject 12', alice))).message.text).toBe(
      'Rejected: pull request #42 of job 12 (web 1.5.0 → staging); job 100 closes it.',
    );
    const lenient = await setup(
      COMMANDS_CONFIG.replace('gitops: { url: /srv/gitops.git }', 'gitops: { url: /srv/gitops.git, requesterMayApprove: true }'),
    );
    expect((await lenient.router.handle(command('deploy approve 12', alice))).kind).toBe('queued');
  });

  it('needs the deploy right on that app and environment', async () => {
    const { router, queues } = await setup();
    const outcome = await router.handle(command('deploy approve 12', carol));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(queues.queued).toHaveLength(0);
  });

  it("a group's pull request needs the deploy right on every member: the first one refused is named", async () => {
    const yaml = COMMANDS_CONFIG.replace('      environments: [staging]\n', '      environments: [staging, prod]\n      apps: [web]\n');
    const { router, queues, reviews } = await setup(yaml);
    await reviews.put({ ...REVIEW, id: '13', app: 'web,api', apps: ['web', 'api'], env: 'prod' });
    const outcome = await router.handle(command('deploy approve 13', bob));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'E_DENIED' });
    expect(outcome.message.text).toMatch(/^Denied: console:bob may not deploy on app api, environment prod/);
    expect(queues.queued).toHaveLength(0);
    expect((await reviews.get('13'))?.state).toBe('pending');
  });

  it.each([
    ['deploy approve 99', 'There is no pull request waiting for job 99.'],
    ['deploy approve x1', '"x1" is not a job id.\nUsage: /deploy approve <job-id>'],
  ])('%j is refused', async (line, reply) => {
    const { router } = await setup();
    expect((await router.handle(command(line, bob))).message.text).toBe(reply);
  });
});
