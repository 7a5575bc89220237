import { describe, expect, it } from 'vitest';
import { GitopsError } from '../../gitops/errors.js';
import type { Review } from '../../gitops/review-store.js';
import { ArgocdError } from '../../argocd/errors.js';
import { BOTS_CONFIG, bob, config, FakeArgoCd, FakeGitopsRepo, FakePullRequests, FakeReviews, jobContext } from '../../../test/support/fakes.js';
import type { ArgoCd } from '../seams.js';
import { reviewJob, type ReviewPayload } from './review.js';

const CONFIG = config(`gitops: { url: /srv/gitops.git, mergeMethod: squash, github: { owner: org, repo: gitops } }`);
const REVIEW: Review = {
  id: '12',
  app: 'web',
  env: 'prod',
  ref: '1.5.0',
  branch: 'opsbot/web-prod-1.5.0',
  pr: 42,
  url: 'https://github.example/org/gitops/pull/42',
  headSha: 'h'.repeat(40),
  requester: 'console:alice',
  state: 'approved',
};

async function setup(decision: ReviewPayload['decision'], opts: { withPullRequests?: boolean; review?: boolean } = {}) {
  const reviews = new FakeReviews();
  if (opts.review !== false) await reviews.put(REVIEW);
  const pullRequests = new FakePullRequests();
  const repo = new FakeGitopsRepo({});
  const kind = reviewJob({ config: CONFIG, reviews, repo, ...(opts.withPullRequests === false ? {} : { pullRequests }) });
  const { ctx, reporter } = jobContext<ReviewPayload>('review', { id: '12', decision }, { requester: bob });
  return { run: () => kind.run(ctx), pullRequests, repo, reporter };
}

describe('review job', () => {
  it('merges exactly the reviewed head with the configured method and deletes the branch', async () => {
    const { run, pullRequests, repo, reporter } = await setup('approved');
    const message = await run();
    expect(pullRequests.merged).toEqual([{ number: 42, sha: 'h'.repeat(40), method: 'squash' }]);
    expect(repo.deleted).toEqual(['opsbot/web-prod-1.5.0']);
    expect(reporter.progressTexts()).toEqual(['Merging pull request #42 (web 1.5.0 → prod)…']);
    expect(message.title).toBe('Approved by bob: web 1.5.0 merged into prod');
    expect(message.fields).toEqual([
      { label: 'Pull request', value: REVIEW.url },
      { label: 'Merge commit', value: 'm'.repeat(12) },
    ]);
  });

  it('refuses a head that is not the commit opsbot pushed: closes the pull request, deletes the branch, merges nothing', async () => {
    const { run, pullRequests, repo } = await setup('approved');
    pullRequests.state = { headSha: 'a'.repeat(40) };
    await expect(run()).rejects.toMatchObject({
      code: 'E_HEAD_CHANGED',
      userMessage: expect.stringContaining('now points at aaaaaaaaaaaa, not at hhhhhhhhhhhh, the commit opsbot pushed'),
    });
    expect(pullRequests.merged).toHaveLength(0);
    expect(pullRequests.closed).toEqual([42]);
    expect(repo.deleted).toEqual(['opsbot/web-prod-1.5.0']);
  });

  it('a head that moves between the look and the merge: GitHub refuses (409), the pull request is closed', async () => {
    const { run, pullRequests, repo } = await setup('approved');
    pullRequests.mergeError = new GitopsError(
      'E_HEAD_CHANGED',
      'could not merge the pull request in org/gitops: its head is no longer the commit opsbot pushed (HTTP 409)',
    );
    await expect(run()).rejects.toMatchObject({
      code: 'E_HEAD_CHANGED',
      userMessage: expect.stringContaining('Refused: branch opsbot/web-prod-1.5.0 of pull request #42 has changed'),
    });
    expect(pullRequests.closed).toEqual([42]);
    expect(repo.deleted).toEqual(['opsbot/web-prod-1.5.0']);
  });

  it('a retry finds the pull request merged and does not merge again', async () => {
    const { run, pullRequests } = await setup('approved');
    pullRequests.state = { merged: true, mergeCommitSha: 'e'.repeat(40) };
    const message = await run();
    expect(pullRequests.merged).toHaveLength(0);
    expect(message.fields?.[1]).toEqual({ label: 'Merge commit', value: 'e'.repeat(12) });
  });

  it('closes a rejected pull request and deletes its branch', async () => {
    const { run, pullRequests, repo } = await setup('rejected');
    const message = await run();
    expect(pullRequests.closed).toEqual([42]);
    expect(repo.deleted).toEqual(['opsbot/web-prod-1.5.0']);
    expect(message).toMatchObject({ status: 'warning', title: 'Rejected by bob: web 1.5.0 not deployed to prod' });
  });

  it('does not close what is closed already', async () => {
    const { run, pullRequests } = await setup('rejected');
    pullRequests.state = { state: 'closed' };
    await run();
    expect(pullRequests.closed).toHaveLength(0);
  });

  it.each([
    ['no review record', { review: false }],
    ['no pull-request host configured', { withPullRequests: false }],
  ])('%s: E_UNKNOWN_REVIEW, nothing merged', async (_what, opts) => {
    const { run, pullRequests } = await setup('approved', opts);
    await expect(run()).rejects.toMatchObject({ code: 'E_UNKNOWN_REVIEW' });
    expect(pullRequests.merged).toHaveLength(0);
  });

  describe('a group pull request', () => {
    const GROUP: Review = { ...REVIEW, app: 'bots', apps: ['bot-mat', 'bot-prod'], branch: 'opsbot/bots-prod-1.5.0' };
    /** Argo CD where one Application's follow-up fails. */
    class OneFailing extends FakeArgoCd {
      constructor(private readonly failing: string) {
        super(true);
      }
      override async followDeploy(req: Parameters<ArgoCd['followDeploy']>[0]) {
        if (req.application === this.failing) throw new ArgocdError('E_DEPLOY_FAILED', `${req.application}: the sync failed`);
        return super.followDeploy(req);
      }
    }
    async function setupGroup(argocd: FakeArgoCd) {
      const reviews = new FakeReviews();
      await reviews.put(GROUP);
      const pullRequests = new FakePullRequests();
      const repo = new FakeGitopsRepo({});
      const kind = reviewJob({ config: config(BOTS_CONFIG), reviews, repo, pullRequests, argocd });
      const { ctx } = jobContext<ReviewPayload>('review', { id: '12', decision: 'approved' }, { requester: bob });
      return { run: () => kind.run(ctx), pullRequests };
    }

    it('approved: merged once, then every member followed from the merge commit, each one shown', async () => {
      const argocd = new FakeArgoCd(true);
      const { run, pullRequests } = await setupGroup(argocd);
      const message = await run();
      expect(pullRequests.merged).toHaveLength(1);
      expect(argocd.followed.map((f) => [f.application, f.revision])).toEqual([
        ['bot-mat-prod', 'm'.repeat(40)],
        ['bot-prod-prod', 'm'.repeat(40)],
      ]);
      expect(message.title).toBe('Approved by bob: bots 1.5.0 merged into prod');
      expect(message.fields?.slice(2).map((f) => f.label)).toEqual(['bot-mat', 'bot-prod']);
      expect(message.code).toContain('bot-mat\nweb-1  1/1  Running');
    });

    it('one member not getting there fails the job, naming it, after the merge', async () => {
      const { run, pullRequests } = await setupGroup(new OneFailing('bot-prod-prod'));
      const err = (await run().catch((e: unknown) => e)) as ArgocdError;
      expect(pullRequests.merged).toHaveLength(1);
      expect(err.code).toBe('E_DEPLOY_FAILED');
      expect(err.message).toContain(`Approved by bob: bots 1.5.0 merged into prod (merge commit mmmmmmmmmmmm), but not every app got there:`);
      expect(err.message).toMatch(/bot-prod: merged — failed: .*bot-prod-prod: the sync failed/);
    });
  });
});
