import type { Config, GitopsConfig, TagLocation } from '../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../core/errors.js';
import type { Actor, Message, Progress } from '../core/message.js';
import type { Review, ReviewStore } from '../gitops/review-store.js';
import type { JobEnvelope } from './kind.js';
import type { ArgoCd, PullRequestHost } from './seams.js';

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

/** The commit's message, then Argo CD's story of it; the commit stays in the story when Argo CD does not get there. */
export async function followCommit(
  deps: { config: Config; argocd: ArgoCd },
  t: ChangeTarget,
  sha: string,
  committed: Message,
  progress: Progress,
  signal: AbortSignal,
): Promise<Message> {
  if (!deps.argocd.connected) return { ...committed, context: 'Argo CD follow-up skipped: not connected to a cluster (set KUBECONFIG).' };
  await progress({ ...committed, status: 'progress', context: 'committed; waiting for Argo CD…' });
  try {
    const followed = await deps.argocd.followDeploy({
      application: t.location.application ?? `${t.app}-${t.env}`,
      podNamespace: t.location.namespace,
      podSelector: t.location.podSelector,
      revision: sha,
      timeoutMs: deps.config.argocd.followTimeout,
      repoWebUrl: t.gitops.webUrl,
      progress,
      signal,
    });
    return {
      ...followed,
      title: committed.title,
      fields: [...(committed.fields ?? []), ...(followed.fields ?? [])],
      text: [committed.text, followed.text].filter(Boolean).join('\n') || undefined,
      ...(committed.buttons ? { buttons: committed.buttons } : {}),
    };
  } catch (err) {
    // A failure keeps the commit in the story: it was pushed either way.
    if (signal.aborted || !isOpsbotError(err)) throw err;
    throw new OpsbotError(err.code, `${committed.title} — committed ${sha.slice(0, 12)}, but Argo CD did not get there: ${err.userMessage}`, { cause: err });
  }
}

export function commitLink(t: ChangeTarget, sha: string): string {
  return t.gitops.webUrl ? `${t.gitops.webUrl.replace(/\/$/, '')}/commit/${sha}` : sha.slice(0, 12);
}

/**
 * A protected environment: the pushed review branch becomes a pull request, recorded for the
 * decision (`/deploy approve|reject <job>`, which the buttons send), whoever's command it was.
 */
export async function requestReview(
  deps: { pullRequests?: PullRequestHost; reviews: Pick<ReviewStore, 'put'> },
  t: ChangeTarget,
  opts: { job: JobEnvelope; branch: string; message: string; ref: string; action: Review['action'] },
): Promise<Message> {
  const [title = '', ...body] = opts.message.split('\n');
  const requester: Actor = opts.job.requester;
  const pr = await deps.pullRequests!.open({ head: opts.branch, base: t.gitops.branch, title, body: `${body.join('\n').trim()}\n\nOpened by opsbot for ${requester.displayName}; approve or reject it in the chat.` });
  await deps.reviews.put({ id: opts.job.id, app: t.app, env: t.env, ref: opts.ref, branch: opts.branch, pr: pr.number, url: pr.url, headSha: pr.headSha, requester: `${requester.platform}:${requester.id}`, state: 'pending', action: opts.action });
  const who = opts.action === 'config' ? 'change its configuration' : 'deploy there';
  return {
    title: `Pull request #${pr.number}: ${title}`,
    fields: [
      { label: 'Pull request', value: pr.url },
      { label: 'Branch', value: opts.branch },
    ],
    text: `${t.env} is protected: someone allowed to ${who}${t.gitops.requesterMayApprove ? '' : ` (not ${requester.displayName})`} approves to merge, or rejects to close it.`,
    buttons: [
      { id: `deploy approve ${opts.job.id}`, label: 'Approve', style: 'primary' },
      { id: `deploy reject ${opts.job.id}`, label: 'Reject', style: 'danger' },
    ],
  };
}
