import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { Message, Progress } from '../../core/message.js';
import type { ChangeRequest, ChangeResult } from '../../gitops/change.js';
import { editConfigFiles, type ConfigChangeResult } from '../../gitops/config-file.js';
import { checkConfigKey, checkConfigValue } from '../../gitops/config-keys.js';
import { describeChange, formatConfigMessage } from '../../gitops/config-message.js';
import { restartTarget } from '../../gitops/editors/config-location.js';
import { restartStamp } from '../../gitops/editors/restart-annotation.js';
import { reviewBranchName } from '../../gitops/repo-writer.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import { commitLink, followCommit, requestReview } from '../gitops-follow-up.js';
import type { JobEnvelope, JobKind } from '../kind.js';
import type { ArgoCd, GitopsRepo, PullRequestHost } from '../seams.js';
import { configTarget, type ConfigTarget } from './config-target.js';

export interface ConfigPayload {
  app: string;
  env: string;
  set: Record<string, string>;
  unset: string[];
  /** Also bump the workload's pod template (`kubectl.kubernetes.io/restartedAt`), as `kubectl rollout restart` does. */
  restart: boolean;
}

export interface ConfigDeps {
  config: Config;
  repo: GitopsRepo;
  pullRequests?: PullRequestHost;
  reviews: Pick<ReviewStore, 'put'>;
  argocd: ArgoCd;
}

/**
 * `/config <app> [env] set|unset …`: one commit for the whole command in the place the
 * environment declares (batched with the deploys waiting for the repository, through the same
 * landing loop), or a pull request for a protected environment; then the deploy's follow-up.
 */
export function configJob(deps: ConfigDeps): JobKind<ConfigPayload> {
  return {
    name: 'config',
    // A retry finds its own commit by the Opsbot-Job trailer instead of committing again.
    idempotent: true,
    attempts: 5,
    retryOn: ['E_PUSH_REFUSED'],
    // Nothing was changed, and retrying would not help: a reply, not a failed job.
    answers: { E_VALUE_FROM: 'refused' },
    concurrency: deps.config.workers.concurrency,
    async run({ job, reporter, signal }) {
      const t = configTarget(deps.config, job.payload.app, job.payload.env);
      if (t.location.protected && !deps.pullRequests) {
        throw new OpsbotError(
          'E_PROTECTED',
          `${t.env} is a protected environment: changes to it go through a pull request, which needs gitops.github in the configuration.`,
        );
      }
      // Checked again where it is written: a payload is data from Redis, not from the command's checks.
      for (const [k, v] of Object.entries(job.payload.set)) {
        checkConfigKey(k);
        checkConfigValue(k, v);
      }
      job.payload.unset.forEach(checkConfigKey);
      const progress: Progress = (m) => reporter.progress(m);
      await progress({ text: `Configuring ${t.app} in ${t.env}: waiting for the GitOps repository…` });
      const change = configChange(t, job);
      if (t.location.protected) {
        const branch = reviewBranchName(t.app, t.env, `config-${job.id}`);
        const pushed = await deps.repo.pushForReview(branch, change, signal);
        if (!pushed.changed || !pushed.result) return nothingToDo(t, job.payload);
        return requestReview(deps, t, {
          job,
          branch,
          pushedSha: pushed.sha,
          message: change.message(pushed.result),
          ref: `configuration (${keysOf(job.payload)})`,
          action: 'config',
        });
      }
      const result = await deps.repo.commit(change, signal);
      if (!result.changed) return nothingToDo(t, job.payload);
      return followCommit(deps, t, result.sha, committedMessage(t, result), progress, signal);
    },
  };
}

function configChange(t: ConfigTarget, job: JobEnvelope<ConfigPayload>): ChangeRequest<ConfigChangeResult> {
  const requestedBy = { name: job.requester.displayName, platform: job.requester.platform, id: job.requester.id };
  const { set, unset, restart } = job.payload;
  // One time for every attempt of the job: a redo after a lost push race writes the same annotation.
  const stamp = restartStamp(new Date(job.createdAt));
  return {
    jobId: job.uid,
    edit: (workdir) => editConfigFiles(workdir, t.config, { set, unset }, restart ? { stamp } : undefined),
    message: (r) => formatConfigMessage({ app: t.app, env: t.env, changes: r.changes, restarted: r.restarted, requestedBy, jobId: job.uid }),
  };
}

const keysOf = (p: ConfigPayload) => [...Object.keys(p.set), ...p.unset].join(', ') || 'restart';

function nothingToDo(t: ConfigTarget, p: ConfigPayload): Message {
  return { status: 'success', title: `Nothing to change in ${t.app} ${t.env}`, text: `${keysOf(p)}: already as asked; nothing committed.` };
}

function committedMessage(t: ConfigTarget, result: ChangeResult<ConfigChangeResult>): Message {
  const r = result.result;
  return {
    title: `Configured ${t.app} in ${t.env}${r?.changes.length ? `: ${r.changes.map((c) => `${c.new === null ? 'unset' : 'set'} ${c.key}`).join(', ')}` : r?.restarted ? `: restarted ${r.restarted}` : ''}`,
    fields: [
      { label: 'Commit', value: commitLink(t, result.sha) },
      { label: 'File', value: t.config.path },
      ...(r?.changes.length ? [{ label: 'Changed', value: r.changes.map(describeChange).join('; ') }] : []),
      ...(result.attempts > 1 ? [{ label: 'Push attempts', value: `${result.attempts} (someone else pushed meanwhile)` }] : []),
    ],
    text: r ? restartNote(t, r) : 'This job had already pushed its commit before it was interrupted; nothing new was committed.',
    ...(r && !r.rollsPods && !r.restarted && restartTarget(t.config)
      ? { buttons: [{ action: { command: 'config', args: [t.app, t.env, '--restart'] }, label: 'Restart pods' }] }
      : {}),
  };
}

/** Whether the pods pick the change up by themselves, and how to make them when they do not. */
export function restartNote(t: ConfigTarget, r: ConfigChangeResult): string {
  if (r.restarted) return `Restarting ${r.restarted}: its pod template's kubectl.kubernetes.io/restartedAt annotation changed with the commit.`;
  if (r.rollsPods === 'chart')
    return 'Pods restart if the chart renders these values into the pod template (as environment variables); otherwise they keep the old values until they restart.';
  if (r.rollsPods) return 'The pod template changed, so the pods are replaced with the new configuration.';
  const offer = restartTarget(t.config)
    ? `To restart them now, run: /config ${t.app} ${t.env} --restart`
    : 'Restart them yourself, or add "restart" under config in opsbot.yaml to let /config … --restart do it.';
  return `A ConfigMap change alone does not restart pods: running pods keep the old values until they restart. ${offer}`;
}
