import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { Message, Progress } from '../../core/message.js';
import type { ChangeRequest, ChangeResult } from '../../gitops/change.js';
import { verificationFor } from '../../core/config/signature-keys.js';
import { formatDeployMessage } from '../../gitops/deploy-message.js';
import type { EditResult } from '../../gitops/editors/edit-result.js';
import { reviewBranchName } from '../../gitops/repo-writer.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import { editTagFile } from '../../gitops/tag-file.js';
import { configuredApp, deployConcurrency, pin, shown, tagReaderOf, type DeployedApp, type Pinned } from '../deploy-target.js';
import { commitLink, followCommit, requestReview } from '../gitops-follow-up.js';
import type { JobEnvelope, JobKind } from '../kind.js';
import type { ArgoCd, GitopsRepo, ImageRegistry, ImageSignatures, PullRequestHost } from '../seams.js';
import { checkSignature, describeProof, signatureField, signatureLine, SIGNATURE_REFUSALS, type SignatureProof } from '../signature-gate.js';

export interface DeployPayload {
  verb: 'deploy' | 'rollback';
  app: string;
  env: string;
  /** The tag or digest to deploy; for a rollback, `--to` (else the job reads it from history). */
  ref?: string;
}

export interface DeployDeps {
  config: Config;
  repo: GitopsRepo;
  /** Present when gitops.github is configured: protected environments go through pull requests. */
  pullRequests?: PullRequestHost;
  reviews: Pick<ReviewStore, 'put'>;
  /** Argo CD, for the follow-up after the commit (not connected: the deploy ends at the commit). */
  argocd: ArgoCd;
  /** For environments with `pin: digest`: the tag's manifest digest. */
  registry?: ImageRegistry;
  /** For environments with `verify`: the digest's signature, checked before the commit. */
  signatures?: ImageSignatures;
}

interface Target extends DeployedApp {
  verb: DeployPayload['verb'];
}

/** What is deployed, and the signature that vouched for it (environments with `verify`). */
interface Checked extends Pinned {
  proof?: SignatureProof;
}

/**
 * `/deploy` and `/rollback`: commit the tag change (batched with the other deploys of the
 * repository waiting in this process), or open a pull request for a protected environment,
 * then follow Argo CD until the commit is synced and healthy.
 */
export function deployJob(deps: DeployDeps): JobKind<DeployPayload> {
  return {
    name: 'deploy',
    // A retry finds its own commit by the Opsbot-Job trailer instead of committing again.
    idempotent: true,
    // A remote that refuses pushes for a while (hook, maintenance) is waited out with backoff;
    // bad credentials or a missing file fail at once.
    attempts: 5,
    retryOn: ['E_PUSH_REFUSED'],
    // Nothing was changed, and retrying would not help: a reply, not a failed job.
    // Registry answers about the tag (not there, not the digest given) are answers too; a
    // registry that stays down was already retried by the client and fails the job.
    answers: {
      E_NO_PREVIOUS: 'refused',
      E_NOT_IN_HISTORY: 'refused',
      E_HEAD_CHANGED: 'refused',
      E_TAG_NOT_FOUND: 'refused',
      E_DIGEST_MISMATCH: 'refused',
      E_REGISTRY_AUTH: 'refused',
      ...SIGNATURE_REFUSALS,
    },
    concurrency: deployConcurrency(deps.config),
    async run({ job, reporter, signal, note }) {
      const target = deployTarget(deps, job.payload);
      const progress: Progress = (m) => reporter.progress(m);
      const doing = target.verb === 'rollback' ? 'Rolling back' : 'Deploying';
      await progress({ text: `${doing} ${target.app} in ${target.env}: waiting for the GitOps repository…` });
      // A rollback's `ref` is its `--to` choice: checked against the history, like the default target.
      const ref = target.verb === 'rollback' ? await rollbackTarget(deps.repo, target, job.payload.ref) : job.payload.ref;
      if (!ref) throw new OpsbotError('E_BAD_TAG', 'no tag to deploy');
      // A rollback writes what the history holds, except where signatures are checked: a tag
      // there is resolved (pin) so that the digest checked is the one committed.
      const verified = !!verificationFor(target.appConfig, target.location);
      const pinned: Checked = target.verb === 'deploy' || verified ? await pin(deps.registry, target, ref, progress, signal) : { ref };
      // An image deployed once may be refused on the way back: its signature is checked again (a revoked key, a deleted signature).
      pinned.proof = await checkSignature(deps.signatures, target, pinned, progress, signal);
      if (pinned.proof)
        note?.(`${pinned.tag ? `${pinned.tag} ` : ''}${target.appConfig.image}@${pinned.ref}: signature ${describeProof(pinned.proof)}`);
      await progress({ text: `${doing} ${target.app} to ${shown(pinned)} in ${target.env}: committing…` });
      const change = tagChange(target, pinned, job);
      return target.location.protected
        ? openReview(deps, target, pinned, change, job, signal)
        : commitAndFollow(deps, target, pinned, change, progress, signal);
    },
  };
}

function deployTarget(deps: DeployDeps, payload: DeployPayload): Target {
  const target = configuredApp(deps.config, payload.app, payload.env);
  if (target.location.protected && !deps.pullRequests) {
    throw new OpsbotError(
      'E_PROTECTED',
      `${payload.env} is a protected environment: deploys to it go through a pull request, which needs gitops.github in the configuration.`,
    );
  }
  return { ...target, verb: payload.verb };
}

/** The version before the last deploy (never one rolled back from), or `to` when it is in the history. */
function rollbackTarget(repo: GitopsRepo, t: Target, to: string | undefined): Promise<string> {
  return repo.rollbackTarget(t.location.path, tagReaderOf(t), to);
}

function tagChange(t: Target, p: Checked, job: JobEnvelope<DeployPayload>): ChangeRequest<EditResult> {
  const requestedBy = { name: job.requester.displayName, platform: job.requester.platform, id: job.requester.id };
  // The subject keeps what the file holds (the digest), which /history and /rollback read back; the body names the tag.
  const lines = [...(p.tag ? [`Tag: ${p.tag}`, `Image: ${t.appConfig.image}:${p.tag}@${p.ref}`] : []), signatureLine(p.proof)].filter(
    (l): l is string => !!l,
  );
  const body = lines.length ? lines.join('\n') : undefined;
  return {
    jobId: job.uid,
    edit: (workdir) => editTagFile(workdir, t.appConfig, t.location, p.ref),
    message: (r) =>
      formatDeployMessage({ verb: t.verb, app: t.app, env: t.env, from: r.old, to: r.new, requestedBy, jobId: job.uid, ...(body ? { body } : {}) }),
  };
}

const alreadyAt = (t: Target, p: Pinned, nothing: string): Message => ({
  status: 'success',
  title: `${t.app} is already at ${shown(p)} in ${t.env}`,
  text: `already at ${shown(p)}: nothing to ${nothing}.`,
});

/** The common case: one commit on the branch Argo CD follows, then the follow-up. */
async function commitAndFollow(
  deps: DeployDeps,
  t: Target,
  p: Checked,
  change: ChangeRequest<EditResult>,
  progress: Progress,
  signal: AbortSignal,
): Promise<Message> {
  const result = await deps.repo.commit(change, signal);
  if (!result.changed) return alreadyAt(t, p, 'commit');
  return followCommit(deps, t, result.sha, committedMessage(t, p, result), progress, signal);
}

function committedMessage(t: Target, p: Checked, result: ChangeResult<EditResult>): Message {
  const what = result.result
    ? `${result.result.old ?? 'none'} → ${p.tag && result.result.new === p.ref ? shown(p) : result.result.new}`
    : 'committed earlier by this job';
  return {
    title: `${t.verb === 'rollback' ? 'Rolled back' : 'Deployed'} ${t.app} in ${t.env}: ${what}`,
    fields: [
      { label: 'Commit', value: commitLink(t, result.sha) },
      ...(p.tag ? [{ label: 'Digest', value: `${t.appConfig.image}:${p.tag}@${p.ref}` }] : []),
      ...signatureField(p.proof),
      { label: 'File', value: t.location.path },
      ...(result.attempts > 1 ? [{ label: 'Push attempts', value: `${result.attempts} (someone else pushed meanwhile)` }] : []),
    ],
    text: result.alreadyDone ? 'This job had already pushed its commit before it was interrupted; nothing new was committed.' : undefined,
  };
}

/** A protected environment: the change goes to a review branch and a pull request with Approve / Reject. */
async function openReview(
  deps: DeployDeps,
  t: Target,
  p: Pinned,
  change: ChangeRequest<EditResult>,
  job: JobEnvelope<DeployPayload>,
  signal: AbortSignal,
): Promise<Message> {
  const ref = p.ref;
  const branch = reviewBranchName(t.app, t.env, p.tag ?? ref);
  const pushed = await deps.repo.pushForReview(branch, change, signal);
  if (!pushed.changed) return alreadyAt(t, p, 'review');
  const message = change.message(pushed.result ?? { changed: true, text: '', old: null, new: ref });
  return requestReview(deps, t, { job, branch, pushedSha: pushed.sha, message, ref, action: 'deploy' });
}
