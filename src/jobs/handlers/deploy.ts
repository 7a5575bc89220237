import type { Redis } from 'ioredis';
import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { Message } from '../../core/message.js';
import { acquireLock, type HeldLock } from '../../core/redis-lock.js';
import { CommitBatcher } from '../../gitops/commit-batcher.js';
import { formatDeployMessage } from '../../gitops/deploy-message.js';
import { currentTag } from '../../gitops/editors/tag-location.js';
import type { PullRequests } from '../../gitops/pull-requests.js';
import { reviewBranchName, type ChangeResult, type RepoWriter } from '../../gitops/repo-writer.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import type { EditResult } from '../../gitops/editors/edit-result.js';
import { editTagFile } from '../../gitops/tag-file.js';
import type { ClusterAccess } from '../../argocd/cluster-access.js';
import type { Logger } from '../../core/logger.js';
import type { JobKind } from '../kind.js';
import { followDeploy } from './deploy-follow-up.js';

export interface DeployPayload {
  verb: 'deploy' | 'rollback';
  app: string;
  env: string;
  /** The tag or digest to deploy; for a rollback, `--to` (else the job reads it from history). */
  ref?: string;
}

/**
 * Writes to one GitOps repository are serialised across all workers by a Redis lease. git's
 * own compare-and-swap on the branch already makes concurrent pushes safe (the writer redoes a
 * rejected push on the new head), so the lease is about throughput and clone safety: N workers
 * racing on one branch would each fetch, edit and push again per lost race, and processes that
 * share a clone directory must not run git in it at the same time. The lease is held only for
 * the commit and push, not for any follow-up, so one slow deploy never blocks the next.
 */
const LOCK_TTL_MS = 60_000;
const LOCK_WAIT_MS = 10 * 60_000;
/**
 * A waiting worker looks again at least this often: the lease is held for a few hundred ms per
 * batch, so the default 500 ms poll ceiling left the repository idle about half the time
 * (bench/deploy-throughput.ts, two workers).
 */
const LOCK_POLL_MAX_MS = 50;

const DEPLOY_CONCURRENCY = 16;

/** One batcher per writer (per repository clone) in this process. */
const batchers = new WeakMap<RepoWriter, CommitBatcher>();
function batcherFor(writer: RepoWriter, lease: () => Promise<HeldLock>): CommitBatcher {
  let b = batchers.get(writer);
  if (!b) batchers.set(writer, (b = new CommitBatcher(writer, lease)));
  return b;
}

export interface DeployDeps {
  config: Config;
  redis: Redis;
  writer: () => RepoWriter;
  /** Present when gitops.github is configured: protected environments go through pull requests. */
  pullRequests?: () => PullRequests;
  reviews: ReviewStore;
  /** The cluster, for the Argo CD follow-up after the commit (absent: the deploy ends at the commit). */
  cluster?: ClusterAccess;
  log: Logger;
}

export function deployJob(deps: DeployDeps): JobKind<DeployPayload> {
  return {
    name: 'deploy',
    // A retry finds its own commit by the Opsbot-Job trailer instead of committing again.
    idempotent: true,
    // A remote that refuses pushes for a while (hook, maintenance) is waited out with backoff;
    // bad credentials or a missing file fail at once. Retries find their own commit by trailer.
    attempts: 5,
    retryOn: ['E_PUSH_REFUSED'],
    // Nothing was changed, and retrying would not help: a reply, not a failed job.
    answers: { E_NO_PREVIOUS: 'refused', E_NOT_IN_HISTORY: 'refused' },
    // Deploys wait (for the lease, then for Argo CD); several waiting in one process also share
    // one lease hold and one push (CommitBatcher). Measured: bench/deploy-throughput.ts.
    concurrency: Math.max(DEPLOY_CONCURRENCY, deps.config.workers.concurrency),
    async run({ job, reporter, signal, log }) {
      const { app, env, verb } = job.payload;
      const appConfig = deps.config.apps[app];
      const location = appConfig?.environments[env];
      const gitops = deps.config.gitops;
      if (!appConfig || !location || !gitops) throw new OpsbotError('E_UNKNOWN_APP', `${app}@${env} is no longer in the configuration.`);
      if (location.protected && !deps.pullRequests) {
        throw new OpsbotError('E_PROTECTED', `${env} is a protected environment: deploys to it go through a pull request, which needs gitops.github in the configuration.`);
      }
      const writer = deps.writer();
      const readTag = (text: string) => currentTag(text, appConfig, location);

      await reporter.progress({ text: `${verb === 'rollback' ? 'Rolling back' : 'Deploying'} ${app} in ${env}: waiting for the GitOps repository…` });
      const requestedBy = { name: job.requester.displayName, platform: job.requester.platform, id: job.requester.id };
      const changeTo = (ref: string) => ({
        jobId: job.uid,
        edit: (workdir: string) => editTagFile(workdir, appConfig, location, ref),
        message: (r: { old: string | null; new: string }) => formatDeployMessage({ verb, app, env, from: r.old, to: r.new, requestedBy, jobId: job.uid }),
      });
      const landedMessage = (result: ChangeResult<EditResult>) => {
        const link = gitops.webUrl ? `${gitops.webUrl.replace(/\/$/, '')}/commit/${result.sha}` : undefined;
        const what = result.result ? `${result.result.old ?? 'none'} → ${result.result.new}` : 'committed earlier by this job';
        return {
          title: `${verb === 'rollback' ? 'Rolled back' : 'Deployed'} ${app} in ${env}: ${what}`,
          fields: [
            { label: 'Commit', value: link ?? result.sha.slice(0, 12) },
            { label: 'File', value: location.path },
            ...(result.attempts > 1 ? [{ label: 'Push attempts', value: `${result.attempts} (someone else pushed meanwhile)` }] : []),
          ],
          text: result.alreadyDone ? 'This job had already pushed its commit before it was interrupted; nothing new was committed.' : undefined,
        } satisfies Message;
      };
      const lease = () => acquireLock(deps.redis, `opsbot:lock:repo:${gitops.url}`, { ttlMs: LOCK_TTL_MS, waitMs: LOCK_WAIT_MS, signal, holder: `job ${job.id}`, pollMaxMs: LOCK_POLL_MAX_MS });
      let landed: { message: Message; sha?: string };
      if (verb === 'deploy' && !location.protected && job.payload.ref) {
        // The common case: batched with the other deploys of this repository waiting in this
        // process (one lease, one push, still one commit and one result per deploy).
        await reporter.progress({ text: `Deploying ${app} to ${job.payload.ref} in ${env}: committing…` });
        const batchLease = () => acquireLock(deps.redis, `opsbot:lock:repo:${gitops.url}`, { ttlMs: LOCK_TTL_MS, waitMs: LOCK_WAIT_MS, holder: `deploy batch (pid ${process.pid})`, pollMaxMs: LOCK_POLL_MAX_MS });
        const result = await batcherFor(writer, batchLease).submit(changeTo(job.payload.ref), signal);
        if (!result.changed) return { status: 'success', title: `${app} is already at ${job.payload.ref} in ${env}`, text: `already at ${job.payload.ref}: nothing to commit.` } satisfies Message;
        landed = { sha: result.sha, message: landedMessage(result) };
        if (deps.cluster?.connected) await reporter.progress({ ...landed.message, status: 'progress', context: 'committed; waiting for Argo CD…' });
        return followDeploy({ config: deps.config, cluster: deps.cluster, log }, { app, env, location, sha: result.sha, committed: landed.message, reporter, signal });
      }
      // Rollbacks read the history and commit under one lease hold; reviews push a branch.
      const lock = await lease();
      try {
        let ref = job.payload.ref;
        // The version before the last deploy (never one rolled back from), or `--to` from history.
        if (verb === 'rollback') ref = await writer.rollbackTarget(location.path, readTag, job.payload.ref);
        if (!ref) throw new OpsbotError('E_BAD_TAG', 'no tag to deploy');
        await reporter.progress({ text: `${verb === 'rollback' ? 'Rolling back' : 'Deploying'} ${app} to ${ref} in ${env}: committing…` });
        const change = changeTo(ref);
        if (location.protected && deps.pullRequests) {
          const branch = reviewBranchName(app, env, ref);
          const pushed = await writer.pushBranch(branch, change);
          if (!pushed.changed) return { status: 'success', title: `${app} is already at ${ref} in ${env}`, text: `already at ${ref}: nothing to review.` } satisfies Message;
          const message = change.message(pushed.result ?? { old: null, new: ref });
          const [title = '', ...body] = message.split('\n');
          const pr = await deps.pullRequests().open({ head: branch, base: gitops.branch, title, body: `${body.join('\n').trim()}\n\nOpened by opsbot for ${job.requester.displayName}; approve or reject it in the chat.` });
          await deps.reviews.put({ id: job.id, app, env, ref, branch, pr: pr.number, url: pr.url, headSha: pr.headSha, requester: `${job.requester.platform}:${job.requester.id}`, state: 'pending' });
          return {
            title: `Pull request #${pr.number}: ${title}`,
            fields: [
              { label: 'Pull request', value: pr.url },
              { label: 'Branch', value: branch },
            ],
            text: `${env} is protected: someone allowed to deploy there${deps.config.gitops?.requesterMayApprove ? '' : ` (not ${job.requester.displayName})`} approves to merge, or rejects to close it.`,
            buttons: [
              { id: `deploy approve ${job.id}`, label: 'Approve', style: 'primary' },
              { id: `deploy reject ${job.id}`, label: 'Reject', style: 'danger' },
            ],
          } satisfies Message;
        }
        const result = await writer.commitChange(change);
        if (!result.changed) {
          return { status: 'success', title: `${app} is already at ${ref} in ${env}`, text: `already at ${ref}: nothing to commit.` } satisfies Message;
        }
        landed = { sha: result.sha, message: landedMessage(result) };
      } finally {
        await lock.release();
      }
      if (deps.cluster?.connected) await reporter.progress({ ...landed.message, status: 'progress', context: 'committed; waiting for Argo CD…' });
      return followDeploy({ config: deps.config, cluster: deps.cluster, log }, { app, env, location, sha: landed.sha!, committed: landed.message, reporter, signal });
    },
  };
}
