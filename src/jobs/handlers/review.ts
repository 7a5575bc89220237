import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { isGitopsError } from '../../gitops/errors.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import type { Field, Message, Progress } from '../../core/message.js';
import { followCommit } from '../deploy-follow.js';
import { configuredApp } from '../deploy-target.js';
import { followEach, groupResult, outcomeSuffix } from '../group-follow.js';
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
        if (review.apps) return followGroup(deps, review.apps, review.env, sha, merged, (m) => reporter.progress(m), signal);
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

/**
 * An approved group pull request: each member's Application followed from the merge commit, as a
 * direct group deploy follows its own commit; a member gone from the configuration is not followed.
 */
async function followGroup(
  deps: { config: Config; repo: Pick<GitopsRepo, 'relate'>; argocd?: ArgoCd },
  apps: string[],
  env: string,
  sha: string,
  merged: Message & { fields: Field[] },
  progress: Progress,
  signal: AbortSignal,
): Promise<Message> {
  const argocd = deps.argocd;
  if (!argocd?.connected) return merged;
  const members = apps.flatMap((app) => {
    try {
      const target = configuredApp(deps.config, app, env);
      return [{ target, committed: { title: `${app} in ${env}`, fields: [{ label: 'File', value: target.location.path }] } }];
    } catch {
      return [];
    }
  });
  await progress({ ...merged, status: 'progress', context: 'merged; waiting for Argo CD…' });
  const outcomes = await followEach({ config: deps.config, repo: deps.repo, argocd }, members, sha, progress, signal);
  const lines = members.map(({ target }) => ({ label: target.app, value: `merged${outcomeSuffix(outcomes.find((o) => o.app === target.app))}` }));
  const end = groupResult(outcomes, lines, `${merged.title} (merge commit ${sha.slice(0, 12)}), but not every app got there:`);
  return { ...end, title: merged.title, fields: [...merged.fields, ...lines] };
}
