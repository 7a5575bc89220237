import type { Config } from '../../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import type { Field, Message, Progress } from '../../core/message.js';
import type { ChangeRequest, EditOutcome } from '../../gitops/change.js';
import { formatGroupDeployMessage } from '../../gitops/deploy-message.js';
import { editTagFile } from '../../gitops/tag-file.js';
import { configuredApp, deployConcurrency, pin, shown, type DeployedApp, type Pinned } from '../deploy-target.js';
import { commitLink, followCommit } from '../gitops-follow-up.js';
import type { JobEnvelope, JobKind } from '../kind.js';
import type { ArgoCd, GitopsRepo, ImageRegistry, ImageSignatures } from '../seams.js';
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
 * Application is followed at once, and the answer shows each app's outcome.
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
      if (guarded)
        throw new OpsbotError(
          'E_PROTECTED',
          `${guarded.app} in ${env} is now protected: its deploys go through a pull request of their own. Nothing was deployed.`,
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
      const result = await deps.repo.commit(groupChange(job, members), signal);
      if (!result.changed)
        return { status: 'success', title: `${label} already at ${ref} in ${env}`, text: `every app is already at ${ref}: nothing to commit.` };
      // A retry that found its commit does not know which apps it changed: all are followed.
      const edits = result.result?.members;
      const changed = edits ? members.filter((m) => edits.find((e) => e.app === m.app)?.changed) : members;
      const outcomes = await followEach(deps, changed, result.sha, edits, progress, signal);
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

type Outcome = { app: string; message: Message } | { app: string; error: OpsbotError };

/**
 * Each changed app's Application followed at the same time (Argo CD syncs them at once); the
 * conversation's one message shows where each stands. One app failing does not stop the others.
 */
async function followEach(
  deps: DeployGroupDeps,
  members: Member[],
  sha: string,
  edits: MemberEdit[] | undefined,
  progress: Progress,
  signal: AbortSignal,
): Promise<Outcome[]> {
  const latest = new Map<string, Message>();
  const overall = (m: Message) => m.fields?.find((f) => f.label === 'Stages')?.value ?? m.text ?? m.context ?? '…';
  const progressOf =
    (app: string): Progress =>
    (m) => {
      latest.set(app, m);
      return progress({
        status: 'progress',
        title: `Deploying ${members.map((x) => x.app).join(', ')}: waiting for Argo CD…`,
        fields: [...latest].map(([a, msg]) => ({ label: a, value: overall(msg) })),
      });
    };
  return Promise.all(
    members.map(async (m): Promise<Outcome> => {
      const edit = edits?.find((e) => e.app === m.app);
      const committed: Message = {
        title: `Deployed ${m.app} in ${m.env}: ${edit ? `${edit.old ?? 'none'} → ${shown(m.pinned)}` : shown(m.pinned)}`,
        fields: [{ label: 'File', value: m.location.path }],
      };
      try {
        return { app: m.app, message: await followCommit(deps, m, sha, committed, progressOf(m.app), signal) };
      } catch (err) {
        if (signal.aborted || !isOpsbotError(err)) throw err;
        return { app: m.app, error: err };
      }
    }),
  );
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
    const o = outcomes.find((x) => x.app === m.app);
    const change = edit && !edit.changed ? `already at ${shown(m.pinned)}` : edit ? `${edit.old ?? 'none'} → ${shown(m.pinned)}` : shown(m.pinned);
    const after = !o ? '' : 'error' in o ? ` — failed: ${o.error.userMessage}` : o.message.text ? ` — ${o.message.text.split('\n')[0]}` : '';
    const signed = m.proof ? ` (signature verified, key ${m.proof.fingerprint})` : '';
    return { label: m.app, value: `${change}${signed}${after}` };
  });
  const failed = outcomes.filter((o): o is Extract<Outcome, { error: OpsbotError }> => 'error' in o);
  const commit = commitLink(members[0]!, sha);
  if (failed.length > 0) {
    const text = [
      `Committed ${commit} (${p.apps.join(', ')} to ${p.ref} in ${p.env}), but not every app got there:`,
      ...lines.map((l) => `${l.label}: ${l.value}`),
    ].join('\n');
    throw new OpsbotError(failed[0]!.error.code, text, { cause: failed[0]!.error });
  }
  const followed = outcomes.flatMap((o) => ('message' in o ? [o] : []));
  const messages = followed.map((o) => o.message);
  const pods = followed.filter((o) => o.message.code).map((o) => `${o.app}\n${o.message.code}`);
  return {
    status: messages.some((m) => m.status === 'warning') ? 'warning' : 'success',
    title: `Deployed ${groupLabel(p)} in ${p.env}: ${p.ref}, one commit`,
    fields: [{ label: 'Commit', value: commit }, ...lines],
    ...(pods.length ? { code: pods.join('\n\n') } : {}),
    text: alreadyDone ? 'This job had already pushed its commit before it was interrupted; nothing new was committed.' : undefined,
    context: messages.find((m) => m.context?.startsWith('Argo CD follow-up skipped'))?.context,
  };
}
