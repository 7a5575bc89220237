import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { isGitopsError } from '../../gitops/errors.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import type { JobKind } from '../kind.js';
import { refuseChangedHead } from '../review-head.js';
import type { GitopsRepo, PullRequestHost } from '../seams.js';

export interface ReviewPayload {
  id: string;
  decision: 'approved' | 'rejected';
}

/**
 * The decided half of a protected deploy: merge the approved pull request (exactly the head
 * that was shown for review) or close the rejected one, and delete its branch. Idempotent: a
 * retry finds the pull request already merged or closed.
 */
export function reviewJob(deps: { config: Config; reviews: Pick<ReviewStore, 'get'>; pullRequests?: PullRequestHost; repo: Pick<GitopsRepo, 'deleteBranch'> }): JobKind<ReviewPayload> {
  return {
    name: 'review',
    idempotent: true,
    attempts: 3,
    answers: { E_HEAD_CHANGED: 'refused' },
    async run({ job, reporter }) {
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
          : (await prs.merge(review.pr, { sha: review.headSha, method: deps.config.gitops?.mergeMethod ?? 'merge' }).catch((err: unknown) => (isGitopsError(err, 'E_HEAD_CHANGED') ? refuse(undefined) : Promise.reject(err)))).sha;
        await deps.repo.deleteBranch(review.branch).catch(() => undefined);
        return {
          title: `Approved by ${who}: ${review.app} ${review.ref} merged into ${review.env}`,
          fields: [
            { label: 'Pull request', value: review.url },
            { label: 'Merge commit', value: sha.slice(0, 12) },
          ],
        };
      }
      if (pr.state === 'open') await prs.close(review.pr);
      await deps.repo.deleteBranch(review.branch).catch(() => undefined);
      return { status: 'warning', title: `Rejected by ${who}: ${review.app} ${review.ref} not deployed to ${review.env}`, fields: [{ label: 'Pull request', value: `${review.url} (closed, branch deleted)` }] };
    },
  };
}
