import type { AppConfig, Config, GitopsConfig, TagLocation } from '../core/config/schema.js';
import type { Actor, Message, Progress } from '../core/message.js';
import type { Review, ReviewStore } from '../gitops/review-store.js';
import type { JobEnvelope } from './kind.js';
import { followCommit as followDeployed } from './deploy-follow.js';
import { refuseChangedHead } from './review-head.js';
import type { ArgoCd, GitopsRepo, PullRequestHost } from './seams.js';

/**
 * What every change to the GitOps repository does after its commit, whichever command made it
 * (/deploy, /rollback, /config): follow Argo CD until that commit is synced and healthy — or, for
 * a protected environment, open the pull request and post Approve / Reject.
 */
export interface ChangeTarget {
  app: string;
  env: string;
  location: TagLocation;
  gitops: GitopsConfig;
}

/**
 * The commit's message, then Argo CD's story of it (`deploy-follow.ts`: a revision containing the
 * commit, or a newer change of the same file's tag, ends it); the commit stays in the story when
 * Argo CD does not get there. `appConfig` is known for a tag change: it says where the tag is.
 */
export async function followCommit(
  deps: { config: Config; argocd: ArgoCd; repo: Pick<GitopsRepo, 'relate'> },
  t: ChangeTarget & { appConfig?: AppConfig },
  sha: string,
  committed: Message,
  progress: Progress,
  signal: AbortSignal,
): Promise<Message> {
  if (!deps.argocd.connected) return { ...committed, context: 'Argo CD follow-up skipped: not connected to a cluster (set KUBECONFIG).' };
  await progress({ ...committed, status: 'progress', context: 'committed; waiting for Argo CD…' });
  const followed = await followDeployed(deps, t, { sha, title: committed.title ?? '', fields: committed.fields }, progress, signal);
  return {
    ...followed,
    text: [committed.text, followed.text].filter(Boolean).join('\n') || undefined,
    ...(committed.buttons ? { buttons: committed.buttons } : {}),
  };
}

export function commitLink(t: ChangeTarget, sha: string): string {
  return t.gitops.webUrl ? `${t.gitops.webUrl.replace(/\/$/, '')}/commit/${sha}` : sha.slice(0, 12);
}

/**
 * A protected environment: the pushed review branch becomes a pull request, recorded for the
 * decision (`/deploy approve|reject <job>`, which the buttons send), whoever's command it was.
 */
export async function requestReview(
  deps: { pullRequests?: PullRequestHost; reviews: Pick<ReviewStore, 'put'>; repo: Pick<GitopsRepo, 'deleteBranch'> },
  t: ChangeTarget,
  opts: { job: JobEnvelope; branch: string; pushedSha: string; message: string; ref: string; action: Review['action']; apps?: string[] },
): Promise<Message> {
  const [title = '', ...body] = opts.message.split('\n');
  const requester: Actor = opts.job.requester;
  const prs = deps.pullRequests!;
  const pr = await prs.open({
    head: opts.branch,
    base: t.gitops.branch,
    title,
    body: `${body.join('\n').trim()}\n\nOpened by opsbot for ${requester.displayName}; approve or reject it in the chat.`,
  });
  // A push to the branch between ours and the pull request's creation would be what reviewers see and approve.
  if (pr.headSha !== opts.pushedSha)
    await refuseChangedHead({ pullRequests: prs, repo: deps.repo }, { pr: pr.number, branch: opts.branch, pushedSha: opts.pushedSha }, pr.headSha);
  await deps.reviews.put({
    id: opts.job.id,
    app: t.app,
    env: t.env,
    ref: opts.ref,
    branch: opts.branch,
    pr: pr.number,
    url: pr.url,
    headSha: opts.pushedSha,
    requester: `${requester.platform}:${requester.id}`,
    state: 'pending',
    action: opts.action,
    ...(opts.apps ? { apps: opts.apps } : {}),
  });
  const who = opts.action === 'config' ? 'change its configuration' : 'deploy there';
  return {
    title: `Pull request #${pr.number}: ${title}`,
    fields: [
      { label: 'Pull request', value: pr.url },
      { label: 'Branch', value: opts.branch },
    ],
    text: `${t.env} is protected: someone allowed to ${who}${t.gitops.requesterMayApprove ? '' : ` (not ${requester.displayName})`} approves to merge, or rejects to close it.`,
    buttons: [
      { action: { command: 'deploy approve', args: [opts.job.id] }, label: 'Approve', style: 'primary' },
      { action: { command: 'deploy reject', args: [opts.job.id] }, label: 'Reject', style: 'danger' },
    ],
  };
}
