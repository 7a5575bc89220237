import type { Config } from '../../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import type { Field, Message, Progress } from '../../core/message.js';
import type { ChangeRequest, EditOutcome } from '../../gitops/change.js';
import { formatGroupDeployMessage } from '../../gitops/deploy-message.js';
import { reviewBranchName } from '../../gitops/repo-writer.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import { editTagFile } from '../../gitops/tag-file.js';
import { configuredApp, deployConcurrency, pin, shown, type DeployedApp, type Pinned } from '../deploy-target.js';
import { commitLink, requestReview } from '../gitops-follow-up.js';
import { followEach, groupResult, outcomeSuffix, type Outcome } from '../group-follow.js';
import type { JobEnvelope, JobKind } from '../kind.js';
import type { ArgoCd, GitopsRepo, ImageRegistry, ImageSignatures, PullRequestHost } from '../seams.js';
import { checkSignature, describeProof, SIGNATURE_REFUSALS, type SignatureProof } from '../signature-gate.js';

/** `/deploy <group> <tag> <env>` or `/deploy web,api <tag> <env>`: the apps, checked by the command. */
export interface DeployGroupPayload {
  apps: string[];
  env: string;
  ref: string;
  /** The group's name from `appGroups`; absent for a comma list. */
  group?: string;
}

export interface DeployGroupDeps {
  config: Config;
  repo: GitopsRepo;
  argocd: ArgoCd;
  registry?: ImageRegistry;
  signatures?: ImageSignatures;
  /** Present when gitops.github is configured: a group with a protected member goes through one pull request. */
  pullRequests?: PullRequestHost;
  reviews: Pick<ReviewStore, 'put'>;
}

interface Member extends DeployedApp {
  pinned: Pinned;
  /** Members whose environment has `verify`: the signature that vouched for their digest. */
  proof?: SignatureProof;
}

/** One member's part of the edit: its tag before and after. */
interface MemberEdit {
  app: string;
  old: string | null;
  new: string;
  changed: boolean;
}

interface GroupEdit extends EditOutcome {
  members: MemberEdit[];
}

/**
 * Several apps to one tag in ONE commit (one image in several apps, as the reference
 * organisation's bot-mat and bot-prod): every member's file is edited in the same checkout, so
 * a member that cannot be edited leaves nothing committed; then each changed app's Argo CD
 * Application is followed at once, and the answer shows each app's outcome. With a member in a
 * protected environment, that commit is the one pull request of the group.
 */
export function deployGroupJob(deps: DeployGroupDeps): JobKind<DeployGroupPayload> {
  return {
    name: 'deploy-group',
    // A retry finds its commit by the Opsbot-Job trailer, as a single deploy does.
    idempotent: true,
    attempts: 5,
    retryOn: ['E_PUSH_REFUSED'],
    answers: { E_PROTECTED: 'refused', E_TAG_NOT_FOUND: 'refused', E_DIGEST_MISMATCH: 'refused', E_REGISTRY_AUTH: 'refused', ...SIGNATURE_REFUSALS },
    concurrency: deployConcurrency(deps.config),
    async run({ job, reporter, signal, note }) {
      const { env, ref } = job.payload;
      const label = groupLabel(job.payload);
      const progress: Progress = (m) => reporter.progress(m);
      const targets = job.payload.apps.map((app) => configuredApp(deps.config, app, env));
      // The configuration may have changed since the command checked it.
      const guarded = targets.find((t) => t.location.protected);
      if (guarded && !deps.pullRequests)
        throw new OpsbotError(
          'E_PROTECTED',
          `${guarded.app} in ${env} is protected: its deploys go through a pull request, which needs gitops.github in the configuration. Nothing was deployed.`,
        );
      await progress({ text: `Deploying ${label} ${ref} in ${env}: waiting for the GitOps repository…` });
      // One image in several apps is asked of its registry once: every member gets the same digest.
      const registry = deps.registry && onceEach(deps.registry);
      const members: Member[] = [];
      for (const t of targets) members.push({ ...t, pinned: await pin(registry, t, ref, progress, signal) });
      // Every member that requires a signature is checked before the one commit: one refusal refuses the group.
      const signatures = deps.signatures && onceEachSignature(deps.signatures);
      for (const m of members) {
        m.proof = await inGroup(m, () => checkSignature(signatures, m, m.pinned, progress, signal));
        if (m.proof) note?.(`${m.app}: ${m.appConfig.image}@${m.pinned.ref}: signature ${describeProof(m.proof)}`);
      }
      await progress({ text: `Deploying ${label} ${ref} in ${env}: committing…` });
      const change = groupChange(job, members);
      if (guarded) return openGroupReview(deps, job, members, change, signal);
      const result = await deps.repo.commit(change, signal);
      if (!result.changed)
        return { status: 'success', title: `${label} already at ${ref} in ${env}`, text: `every app is already at ${ref}: nothing to commit.` };
      // A retry that found its commit does not know which apps it changed: all are followed.
      const edits = result.result?.members;
      const changed = edits ? members.filter((m) => edits.find((e) => e.app === m.app)?.changed) : members;
      const followed = changed.map((m) => ({ target: m, committed: committedOf(m, edits) }));
      const outcomes = await followEach(deps, followed, result.sha, progress, signal);
      return summary(job.payload, members, edits, outcomes, result.sha, result.alreadyDone);
    },
  };
}

function onceEach(registry: ImageRegistry): ImageRegistry {
  const asked = new Map<string, ReturnType<ImageRegistry['resolve']>>();
  return {
    resolve(image, tag, signal) {
      const key = `${image}:${tag}`;
      if (!asked.has(key)) asked.set(key, registry.resolve(image, tag, signal));
      return asked.get(key)!;
    },
  };
}

/** One image checked once per key, however many members share it. */
function onceEachSignature(signatures: ImageSignatures): ImageSignatures {
  const asked = new Map<string, ReturnType<ImageSignatures['verify']>>();
  return {
    verify(image, digest, verify, signal) {
      const key = `${image}@${digest} ${verify.cosign.key}`;
      if (!asked.has(key)) asked.set(key, signatures.verify(image, digest, verify, signal));
      return asked.get(key)!;
    },
  };
}

/** A member's refusal names the member and says the group as a whole was not committed. */
async function inGroup<T>(m: Member, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!isOpsbotError(err)) throw err;
    throw new OpsbotError(err.code, `${m.app}: ${err.userMessage} — a group deploy changes every app or none.`, { cause: err });
  }
}

function committedOf(m: Member, edits: MemberEdit[] | undefined): Message {
  const edit = edits?.find((e) => e.app === m.app);
  return {
    title: `Deployed ${m.app} in ${m.env}: ${edit ? `${edit.old ?? 'none'} → ${shown(m.pinned)}` : shown(m.pinned)}`,
    fields: [{ label: 'File', value: m.location.path }],
  };
}

function groupLabel(p: DeployGroupPayload): string {
  return p.group ? `${p.group} (${p.apps.join(', ')})` : p.apps.join(', ');
}

/** Every member edited in the same checkout, in order: two apps in one file get both lines changed. */
function groupChange(job: JobEnvelope<DeployGroupPayload>, members: Member[]): ChangeRequest<GroupEdit> {
  const requestedBy = { name: job.requester.displayName, platform: job.requester.platform, id: job.requester.id };
  const tags = [...new Set(members.filter((m) => m.pinned.tag).map((m) => `${m.app}: ${m.appConfig.image}:${m.pinned.tag}@${m.pinned.ref}`))];
  const proofs = members.flatMap((m) => (m.proof ? [`${m.app}: ${describeProof(m.proof)}`] : []));
  const body = [...(tags.length ? [`Digests:\n${tags.join('\n')}`] : []), ...(proofs.length ? [`Signatures:\n${proofs.join('\n')}`] : [])].join(
    '\n\n',
  );
  return {
    jobId: job.uid,
    async edit(workdir) {
      const edits: MemberEdit[] = [];
      for (const m of members) {
        try {
          const r = await editTagFile(workdir, m.appConfig, m.location, m.pinned.ref);
          edits.push({ app: m.app, old: r.old, new: r.new, changed: r.changed });
        } catch (err) {
          if (!isOpsbotError(err)) throw err;
          throw new OpsbotError(err.code, `${m.app}: ${err.userMessage} — a group deploy changes every app or none, so nothing was committed.`, {
            cause: err,
          });
        }
      }
      return { changed: edits.some((e) => e.changed), members: edits };
    },
    message: (r) =>
      formatGroupDeployMessage({
        env: job.payload.env,
        ref: job.payload.ref,
        changes: r.members.map((e) => ({ app: e.app, from: e.old, to: e.new, changed: e.changed })),
        ...(job.payload.group ? { group: job.payload.group } : {}),
        requestedBy,
        jobId: job.uid,
        ...(body ? { body } : {}),
      }),
  };
}

/** The final answer: the commit, then each app's outcome; a failed follow-up fails the job, naming each app's. */
function summary(
  p: DeployGroupPayload,
  members: Member[],
  edits: MemberEdit[] | undefined,
  outcomes: Outcome[],
  sha: string,
  alreadyDone: boolean,
): Message {
  const lines: Field[] = members.map((m) => {
    const edit = edits?.find((e) => e.app === m.app);
    const change = edit && !edit.changed ? `already at ${shown(m.pinned)}` : edit ? `${edit.old ?? 'none'} → ${shown(m.pinned)}` : shown(m.pinned);
    const signed = m.proof ? ` (signature verified, key ${m.proof.fingerprint})` : '';
    return { label: m.app, value: `${change}${signed}${outcomeSuffix(outcomes.find((x) => x.app === m.app))}` };
  });
  const commit = commitLink(members[0]!, sha);
  const end = groupResult(outcomes, lines, `Committed ${commit} (${p.apps.join(', ')} to ${p.ref} in ${p.env}), but not every app got there:`);
  return {
    ...end,
    title: `Deployed ${groupLabel(p)} in ${p.env}: ${p.ref}, one commit`,
    fields: [{ label: 'Commit', value: commit }, ...lines],
    text: alreadyDone ? 'This job had already pushed its commit before it was interrupted; nothing new was committed.' : undefined,
  };
}

/**
 * A member in a protected environment: the whole group goes through ONE pull request (every
 * app or none, as a direct group deploy), decided with Approve / Reject by someone allowed to
 * deploy each member; the approval merges it and follows each app from the merge commit.
 */
async function openGroupReview(
  deps: DeployGroupDeps,
  job: JobEnvelope<DeployGroupPayload>,
  members: Member[],
  change: ChangeRequest<GroupEdit>,
  signal: AbortSignal,
): Promise<Message> {
  const p = job.payload;
  const ref = members[0]!.pinned.tag ?? members[0]!.pinned.ref;
  const branch = reviewBranchName(p.group ?? p.apps.join('_'), p.env, ref);
  const pushed = await deps.repo.pushForReview(branch, change, signal);
  if (!pushed.changed)
    return {
      status: 'success',
      title: `${groupLabel(p)} already at ${p.ref} in ${p.env}`,
      text: `every app is already at ${p.ref}: nothing to review.`,
    };
  // A retry that found its pushed commit does not know the old tags: the message names the new ones.
  const known = pushed.result ?? { changed: true, members: members.map((m) => ({ app: m.app, old: null, new: m.pinned.ref, changed: true })) };
  const message = change.message(known);
  const label = p.group ?? p.apps.join(',');
  return requestReview(
    deps,
    { ...members[0]!, app: label },
    { job, branch, pushedSha: pushed.sha, message, ref: p.ref, action: 'deploy', apps: p.apps },
  );
}
