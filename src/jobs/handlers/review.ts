import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { isGitopsError } from '../../gitops/errors.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import { followCommit } from '../deploy-follow.js';
import type { JobKind } from '../kind.js';
import { refuseChangedHead } from '../review-head.js';
import type { ArgoCd, GitopsRepo, PullRequestHost } from '../seams.js';

export interface ReviewPayload {
  id: string;
  decision: 'approved' | 'rejected';
}

/**
 * The decided half of a protected deploy: merge the approved pull request (exactly the head
 * that was shown for review) or close the rejected one, and delete its branch. Idempotent: a
 * retry finds the pull request already merged or closed. A merged change is then followed
 * through Argo CD from its merge commit, as a direct deploy is from its own.
 */
export function reviewJob(deps: {
  config: Config;
  reviews: Pick<ReviewStore, 'get'>;
  pullRequests?: PullRequestHost;
  repo: Pick<GitopsRepo, 'deleteBranch' | 'relate'>;
  /** Absent or not connected: the job ends at the merge. */
  argocd?: ArgoCd;
}): JobKind<ReviewPayload> {
  return {
    name: 'review',
    idempotent: true,
    attempts: 3,
    answers: { E_HEAD_CHANGED: 'refused' },
    async run({ job, reporter, signal }) {
      const review = await deps.reviews.get(job.payload.id);
      if (!review || !deps.pullRequests) throw new OpsbotError('E_UNKNOWN_REVIEW', `There is no pull request waiting for job ${job.payload.id}.`);
      const prs = deps.pullRequests;
      const pr = await prs.get(review.pr);
      const who = job.requester.displayName;
      if (job.payload.decision === 'approved') {
        await reporter.progress({ text: `Merging pull request #${review.pr} (${review.app} ${review.ref} → ${review.env})…` });
        const pushed = { pr: review.pr, branch: review.branch, pushedSha: review.headSha };
        const refuse = (found: string | undefined) => refuseChangedHead({ pullRequests: prs, repo: deps.repo }, pushed, found);
        if (!pr.merged && pr.headSha !== review.headSha) await refuse(pr.headSha);
        // With `sha`, GitHub itself refuses (409) a head that moves between our look and the merge.
        const sha = pr.merged
          ? (pr.mergeCommitSha ?? pr.headSha)
          : (
              await prs
                .merge(review.pr, { sha: review.headSha, method: deps.config.gitops?.mergeMethod ?? 'merge' })
                .catch((err: unknown) => (isGitopsError(err, 'E_HEAD_CHANGED') ? refuse(undefined) : Promise.reject(err)))
            ).sha;
        await deps.repo.deleteBranch(review.branch).catch(() => undefined);
        const merged = {
          title: `Approved by ${who}: ${review.app} ${review.ref} merged into ${review.env}`,
          fields: [
            { label: 'Pull request', value: review.url },
            { label: 'Merge commit', value: sha.slice(0, 12) },
          ],
        };
        const appConfig = deps.config.apps[review.app];
        const location = appConfig?.environments[review.env];
        const gitops = deps.config.gitops;
        if (!deps.argocd?.connected || !appConfig || !location || !gitops) return merged;
        const progress = (m: Parameters<typeof reporter.progress>[0]) => reporter.progress(m);
        await progress({ ...merged, status: 'progress', context: 'merged; waiting for Argo CD…' });
        return followCommit(
          { config: deps.config, repo: deps.repo, argocd: deps.argocd },
          { app: review.app, env: review.env, appConfig, location, gitops },
          { sha, ...merged },
          progress,
          signal,
        );
      }
      if (pr.state === 'open') await prs.close(review.pr);
      await deps.repo.deleteBranch(review.branch).catch(() => undefined);
      return {
        status: 'warning',
        title: `Rejected by ${who}: ${review.app} ${review.ref} not deployed to ${review.env}`,
        fields: [{ label: 'Pull request', value: `${review.url} (closed, branch deleted)` }],
      };
    },
  };
}
