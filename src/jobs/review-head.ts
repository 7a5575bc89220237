import { GitopsError } from '../gitops/errors.js';
import type { GitopsRepo, PullRequestHost } from './seams.js';

/** The pull request of a protected deploy, and the commit opsbot pushed to its branch. */
export interface PushedReview {
  pr: number;
  branch: string;
  /** What opsbot pushed: the only head that may be merged. */
  pushedSha: string;
}

/**
 * Someone pushed to the review branch after opsbot did (before the pull request was opened, or
 * while it waited for approval): what reviewers would approve is no longer what opsbot wrote.
 * The pull request is closed and its branch deleted (a new deploy then starts from a fresh
 * branch; the closed pull request keeps the foreign commit for whoever investigates), and the
 * job refuses with E_HEAD_CHANGED — an answer the worker audits, not a failure to retry.
 */
export async function refuseChangedHead(
  deps: { pullRequests: Pick<PullRequestHost, 'close'>; repo: Pick<GitopsRepo, 'deleteBranch'> },
  review: PushedReview,
  found: string | undefined,
): Promise<never> {
  await deps.pullRequests.close(review.pr);
  await deps.repo.deleteBranch(review.branch).catch(() => undefined);
  const now = found ? `now points at ${found.slice(0, 12)}` : 'has changed';
  throw new GitopsError(
    'E_HEAD_CHANGED',
    `Refused: branch ${review.branch} of pull request #${review.pr} ${now}, not at ${review.pushedSha.slice(0, 12)}, the commit opsbot pushed — someone else pushed to it. The pull request is closed and the branch deleted; nothing was merged. Deploy again for a fresh pull request.`,
  );
}
