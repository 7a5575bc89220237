import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import type { Field, Message, Progress } from '../../core/message.js';
import { stackNamed, stackSource } from '../../terraform/infra-services.js';
import { checkApplyGate } from '../../terraform/apply-gate.js';
import { fetchRef } from '../../terraform/plan-source.js';
import { sha256, type StoredPlan } from '../../terraform/plan-store.js';
import { reportApplyOnPullRequest } from '../../terraform/pr-report.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { withinTimeout } from '../../terraform/stack-run.js';
import type { UiEvent, UiOutput } from '../../terraform/ui-events.js';
import type { JobKind } from '../kind.js';
import type { TerraformJobDeps } from './plan.js';

export interface ApplyPayload {
  planId: string;
  stack: string;
}

/**
 * Applies exactly the approved saved plan: verified by SHA-256, at the commit it was made
 * from, under the stack lock. Not idempotent: a second start after a worker died is reported
 * for a human (state may be partly applied), never re-run.
 */
export function applyJob(deps: TerraformJobDeps): JobKind<ApplyPayload> {
  return {
    name: 'apply',
    idempotent: false,
    answers: { E_PLAN_OUTDATED: 'refused', E_APPLY_REQUIREMENT: 'refused' },
    interruptedMessage: (env) =>
      `Job ${env.id} (apply ${env.target}) was interrupted — state may be partly applied; state lock may remain. ` +
      `It is not re-run automatically: check the stack, /infra locks and /infra unlock if needed, then run a new plan (a state lock left behind is named there, with /infra force-unlock).`,
    async run({ job, reporter, signal }) {
      const { planId, stack: name } = job.payload;
      const stack = stackNamed(deps.config, name);
      const src = stackSource(deps.infra, name, stack);
      const store = deps.infra.store;
      const say: Progress = (m) => reporter.progress(m);
      try {
        deps.stacks.binaryFor(stack);
      } catch (err) {
        await store.release(planId);
        throw err;
      }

      const busy = await deps.infra.locks.holder(name);
      if (busy) await say({ text: `${describeHolder(name, busy)} Waiting up to ${Math.round(stack.lockTimeout / 1000)} s…` });
      let lock;
      try {
        lock = await deps.infra.locks.acquire(
          name,
          { job: job.id, kind: 'apply', by: job.requester.displayName, since: Date.now() },
          { waitMs: stack.lockTimeout, signal },
        );
      } catch (err) {
        // Nothing was applied: the plan goes back to pending and can be approved again.
        await store.release(planId);
        throw isOpsbotError(err) && err.code === 'E_STACK_LOCKED'
          ? new OpsbotError(err.code, `${err.userMessage} Plan ${planId} was not applied; approve it again when the stack is free.`)
          : err;
      }
      let claimed = false;
      /** The pull request's `opsbot/plan` status follows the apply. */
      const prStatus = async (plan: StoredPlan, applied: boolean) => {
        if (plan.source?.kind !== 'pr' || !plan.commit) return '';
        const status = await reportApplyOnPullRequest(deps.infra.github.forStack(name, stack), {
          stack: name,
          commit: plan.commit,
          planId,
          applied,
          approvers: plan.approvers,
        });
        return status || `status ${applied ? 'applied' : 'failed'} on pull request #${plan.source.number}`;
      };
      try {
        const before = await store.get(planId);
        const github = () => deps.infra.github.forStack(name, stack);
        // The approval was checked against GitHub; a push or a lost review since then still stops it here.
        if (before) {
          try {
            await checkApplyGate(src, before, github);
          } catch (err) {
            await store.release(planId);
            throw err;
          }
        }
        const claim = await store.claim({ id: planId, stack: name }, job.id);
        if (claim.state !== 'applying') throw notApplicable(planId, claim.state, claim.extra);
        claimed = true;
        const plan = await store.get(planId);
        const file = await store.file(planId);
        if (!plan || !file) throw new OpsbotError('E_PLAN_EXPIRED', `Plan ${planId} has expired; run a new plan.`);
        if (sha256(file) !== plan.sha256)
          throw new OpsbotError('E_PLAN_CORRUPT', `Plan ${planId} does not match its SHA-256 any more; it was not applied. Run a new plan.`);

        const message = await withinTimeout('apply', src, signal, async (limited) => {
          const open = await deps.stacks.open(src, { commit: plan.commit, fetch: fetchRef(plan.source), signal: limited, progress: say });
          try {
            const total =
              plan.summary.counts.create +
              plan.summary.counts.update +
              plan.summary.counts.replace +
              plan.summary.counts.destroy +
              plan.summary.counts.forget;
            const progress = new ApplyProgress(name, total, say);
            await say({ text: `Applying plan ${planId} to stack ${name}…` });
            const result = await open.apply({ id: planId, file }, { signal: limited, onEvent: (e) => progress.on(e) });
            return appliedMessage(name, planId, plan.commit, progress, result.events, stack.postOutputs);
          } finally {
            await open.dispose();
          }
        });
        await store.finish(planId, 'applied');
        await deps.infra.holds.release(name, planId);
        const onPr = await prStatus(plan, true);
        // Four eyes, on the record: who planned it and who approved it, not only who clicked last.
        const planner = `${plan.requester.displayName} (${plan.requester.platform}:${plan.requester.id})`;
        return {
          ...message,
          context: `job ${job.id} · apply · planned by ${planner} · approved by ${plan.approvers.join(', ') || job.requester.displayName}${onPr ? ` · ${onPr}` : ''}`,
        };
      } catch (err) {
        if (claimed) {
          await store.finish(planId, 'failed');
          const plan = await store.get(planId);
          if (plan) await prStatus(plan, false);
        }
        throw err;
      } finally {
        await lock.release();
      }
    },
  };
}

function notApplicable(id: string, state: string, extra: string): OpsbotError {
  switch (state) {
    case 'superseded':
      return new OpsbotError(
        'E_PLAN_SUPERSEDED',
        `Plan ${id} was superseded by plan ${extra}, a newer plan of the same stack; nothing was applied. Review and approve that one.`,
      );
    case 'missing':
      return new OpsbotError('E_PLAN_EXPIRED', `Plan ${id} no longer exists; run a new plan.`);
    default:
      return new OpsbotError('E_PLAN_STATE', `Plan ${id} is ${state}${extra ? ` (job ${extra})` : ''}; it is not applied again.`);
  }
}

/** Resource by resource, one edited message, at most once a second. */
class ApplyProgress {
  readonly done: string[] = [];
  readonly failed: string[] = [];
  private readonly running = new Set<string>();
  private last = 0;

  constructor(
    private readonly stack: string,
    private readonly total: number,
    private readonly say: Progress,
  ) {}

  on(e: UiEvent): void {
    if (e.type === 'apply_start') this.running.add(e.address);
    else if (e.type === 'apply_complete') {
      this.running.delete(e.address);
      this.done.push(`${e.address}: ${e.action} done`);
    } else if (e.type === 'apply_errored') {
      this.running.delete(e.address);
      this.failed.push(e.address);
    } else if (e.type !== 'apply_progress') return;
    const now = Date.now();
    if (now - this.last < 1000) return;
    this.last = now;
    const lines = [...this.done.slice(-8), ...[...this.running].map((a) => `${a}: in progress…`)];
    void this.say({ text: `Applying stack ${this.stack}: ${this.done.length} of ${this.total} done`, code: lines.join('\n') }).catch(() => undefined);
  }
}

function appliedMessage(
  stack: string,
  planId: string,
  commit: string | null,
  progress: ApplyProgress,
  events: readonly UiEvent[],
  postOutputs: boolean,
): Message {
  const outputs = [...events].reverse().find((e): e is Extract<UiEvent, { type: 'outputs' }> => e.type === 'outputs')?.outputs ?? {};
  const summary = [...events].reverse().find((e) => e.type === 'change_summary');
  const fields: Field[] = [
    { label: 'Plan', value: planId },
    { label: 'Commit', value: commit ? commit.slice(0, 12) : 'no commit (plain directory)' },
  ];
  // Output values only where the stack opts in: its code decides what they hold.
  const outputLines = Object.entries(outputs).map(([k, o]: [string, UiOutput]) =>
    postOutputs ? `${k} = ${o.sensitive ? '(sensitive)' : JSON.stringify(o.value)}` : k,
  );
  const header = postOutputs ? 'outputs:' : 'outputs (values not posted for this stack):';
  return {
    title: `Applied: stack ${stack}`,
    text: summary?.message ?? `${progress.done.length} resources changed.`,
    fields,
    code: outputLines.length ? `${header}\n${outputLines.map((l) => `  ${l}`).join('\n')}` : undefined,
  };
}
