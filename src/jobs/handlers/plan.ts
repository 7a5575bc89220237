import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config/schema.js';
import type { Message, Progress } from '../../core/message.js';
import { actorSubject } from '../../core/message.js';
import { Policy } from '../../core/policy.js';
import { stackNamed, stackSource, type InfraServices } from '../../terraform/infra-services.js';
import { heldError, holdFor, holdInTheWay, sourceKey } from '../../terraform/plan-hold.js';
import { planMessage } from '../../terraform/plan-message.js';
import { resolveSource, type ResolvedSource, type SourceRequest } from '../../terraform/plan-source.js';
import type { PlanStore } from '../../terraform/plan-store.js';
import type { ReviewLocks } from '../../terraform/review-lock.js';
import { checkStackPaths } from '../../terraform/stack-checkout.js';
import { describeHolder, type StackLocks } from '../../terraform/stack-lock.js';
import { withinTimeout } from '../../terraform/stack-run.js';
import type { JobKind } from '../kind.js';
import type { StackRunner } from '../seams.js';
import { reportPlanOnPullRequest } from '../../terraform/pr-report.js';
import { planLinkFollowUp } from './plan-link.js';

export interface PlanPayload {
  stack: string;
  /** Extra var files from the command (`--var-file`), relative to the stack dir. */
  varFiles: string[];
  /** Another branch or a pull request (`--branch`, `--pr`); absent: the stack's branch. */
  source?: SourceRequest;
}

export interface TerraformJobDeps {
  config: Config;
  /** The plan store and stack locks, shared with the /infra commands. */
  infra: Pick<InfraServices, 'baseDir' | 'stateHome' | 'github'> & {
    store: Pick<PlanStore, 'save' | 'claim' | 'get' | 'file' | 'finish' | 'release'>;
    locks: Pick<StackLocks, 'holder' | 'acquire'>;
    holds: Pick<ReviewLocks, 'get' | 'take' | 'release'>;
  };
  stacks: StackRunner;
  /** Where the console's full plans are written (OPSBOT_HOME). */
  env: NodeJS.ProcessEnv;
}

/**
 * `/infra plan <stack>`: under the stack lock, check out the branch head, init, plan with
 * progress, and post a summary with Approve / Reject (or "no changes"). Idempotent: a plan
 * that crashed is simply made again — nothing outside the work dir changed.
 */
export function planJob(deps: TerraformJobDeps): JobKind<PlanPayload> {
  return {
    name: 'plan',
    idempotent: true,
    attempts: 2,
    answers: {
      E_STACK_HELD: 'refused',
      E_UNKNOWN_BRANCH: 'refused',
      E_UNKNOWN_PR: 'refused',
      E_FORK_PR: 'refused',
      E_PR_CLOSED: 'refused',
      E_NO_GITHUB: 'refused',
    },
    // The pull request comment links the chat message once the bot has posted it.
    afterDelivery: planLinkFollowUp,
    async run({ job, reporter, signal }) {
      const { stack: name, varFiles } = job.payload;
      const stack = stackNamed(deps.config, name);
      const src = stackSource(deps.infra, name, stack);
      checkStackPaths(src, varFiles);
      deps.stacks.binaryFor(stack); // a missing CLI fails here, before any lock is taken
      const say: Progress = (m) => reporter.progress(m);
      const github = () => deps.infra.github.forStack(name, stack);
      // The head of the branch or pull request now: what is planned, and what the plan records.
      const resolved: ResolvedSource | undefined = job.payload.source ? await resolveSource(src, job.payload.source, github, signal) : undefined;
      const person = new Policy(deps.config).personOf(actorSubject(job.requester));
      const pr = resolved?.source.kind === 'pr' ? { number: resolved.source.number, url: resolved.source.url } : undefined;
      const hold =
        stack.lock === 'plan-to-apply'
          ? holdFor({ person, by: job.requester.displayName, source: sourceKey(resolved?.source, stack), pr })
          : undefined;
      // A re-plan by the holder keeps the hold if it fails: their earlier plan still stands.
      const before = hold ? await deps.infra.holds.get(name) : undefined;
      const heldBefore = Boolean(hold && before && before.person === hold.person && before.source === hold.source);
      if (hold) {
        const other =
          (await holdInTheWay(deps.infra.holds, name, hold, github)) ?? (await deps.infra.holds.take(name, hold, stack.planTimeout + stack.planTtl));
        if (other) throw heldError(name, other);
      }
      try {
        return await planUnderLock(deps, { job, say, signal, src, resolved, hold });
      } catch (err) {
        // A plan that did not come about holds nothing.
        if (hold && !heldBefore) await deps.infra.holds.release(name).catch(() => undefined);
        throw err;
      }
    },
  };
}

async function planUnderLock(
  deps: TerraformJobDeps,
  ctx: Pick<Parameters<JobKind<PlanPayload>['run']>[0], 'job' | 'signal'> & {
    say: Progress;
    src: ReturnType<typeof stackSource>;
    resolved?: ResolvedSource;
    hold?: ReturnType<typeof holdFor>;
  },
): Promise<Message> {
  const { job, say, signal, src, resolved, hold } = ctx;
  const { stack: name, varFiles } = job.payload;
  const stack = src.stack;
  const busy = await deps.infra.locks.holder(name);
  if (busy) await say({ text: `${describeHolder(name, busy)} Waiting up to ${Math.round(stack.lockTimeout / 1000)} s…` });
  const lock = await deps.infra.locks.acquire(
    name,
    { job: job.id, kind: 'plan', by: job.requester.displayName, since: Date.now() },
    { waitMs: stack.lockTimeout, signal },
  );
  let outcome;
  let commit: string | null;
  try {
    ({ outcome, commit } = await withinTimeout('plan', src, signal, async (limited) => {
      const open = await deps.stacks.open(src, { commit: resolved?.commit, fetch: resolved?.fetch, signal: limited, progress: say });
      try {
        const at = open.commit;
        await say({ text: `Planning stack ${name} at ${at ? at.slice(0, 12) : 'a copy of its directory'}…` });
        return { outcome: await open.plan({ varFiles, signal: limited, progress: say }), commit: at };
      } finally {
        await open.dispose();
      }
    }));
  } finally {
    await lock.release();
  }

  const files = { stack: stack.varFiles, extra: varFiles };
  const source = resolved?.source;
  const onPr = (planId?: string) =>
    source?.kind === 'pr' && commit
      ? reportPlanOnPullRequest(deps.infra.github.forStack(name, stack), { stack: name, source, commit, outcome, planId, job })
      : Promise.resolve(undefined);
  if (outcome.summary.noChanges) {
    if (hold) await deps.infra.holds.release(name);
    return withSource(planMessage({ stack: name, summary: outcome.summary, commit, varFiles: files }), source, await onPr());
  }
  const stored = await deps.infra.store.save(
    {
      stack: name,
      requester: job.requester,
      conversation: job.conversation,
      commit,
      summary: outcome.summary,
      varFiles,
      ...(source ? { source } : {}),
      ttlMs: stack.planTtl,
    },
    outcome.planFile,
  );
  // From now on the hold lives as long as the plan can be approved, and names it.
  if (hold) await deps.infra.holds.take(name, { ...hold, planId: stored.id }, stack.planTtl);
  // The console cannot take attachments: the full plan goes to a file whose path is shown.
  const fullPlanPath = job.conversation.platform === 'console' ? await writePlanText(deps.env, stored.id, outcome.planText) : undefined;
  const message = planMessage({
    stack: name,
    summary: outcome.summary,
    commit,
    varFiles: files,
    plan: { id: stored.id, expiresAt: stored.expiresAt, approvalsRequired: stack.approvalsRequired, requesterMayApprove: stack.requesterMayApprove },
    fullPlanPath,
    planText: outcome.planText,
  });
  return withSource(message, source, await onPr(stored.id));
}

/** The chat names what was planned and links the pull request (and says if GitHub could not be told). */
function withSource(message: Message, source: ResolvedSource['source'] | undefined, onPr: string | undefined): Message {
  if (!source) return message;
  const field =
    source.kind === 'pr' ? { label: 'Pull request', value: `#${source.number} ${source.url}` } : { label: 'Branch', value: source.branch };
  const fields = [...(message.fields ?? [])];
  fields.splice(message.fields?.[0]?.label === 'Plan' ? 1 : 0, 0, field);
  return { ...message, fields, ...(onPr ? { context: onPr } : {}) };
}

async function writePlanText(env: NodeJS.ProcessEnv, id: string, text: string): Promise<string> {
  const dir = resolve(env.OPSBOT_HOME ?? '.opsbot', 'plans');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `plan-${id}.txt`);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}
