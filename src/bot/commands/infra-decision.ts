import { OpsbotError } from '../../core/errors.js';
import { NAME_PATTERN } from '../../core/config/schema.js';
import { PLAN_ID_PATTERN, type StoredPlan } from '../../terraform/plan-store.js';
import type { ParsedLine } from '../parse.js';
import { expectArgs, usage, type CommandContext, type CommandInfra, type CommandSpec } from './spec.js';

/** Shared by /infra apply and /infra reject: `<plan-id> [stack]`, strictly validated. */
export interface PlanRef {
  id: string;
  /** Optional safety check: the plan must belong to this stack. */
  stack?: string;
}

export function parsePlanRef(spec: Pick<CommandSpec, 'usage'>, line: ParsedLine): PlanRef {
  expectArgs(spec, line, { min: 1, max: 2 });
  const id = line.positional[0]!;
  if (!PLAN_ID_PATTERN.test(id)) throw usage(spec, `"${id}" is not a plan id (8 characters a-z and 2-7, as the plan message shows).`);
  const stack = line.positional[1];
  if (stack !== undefined && !NAME_PATTERN.test(stack)) throw usage(spec, `"${stack}" is not a stack name.`);
  return { id, stack };
}

export async function findPlan(infra: Pick<CommandInfra, 'store'>, ref: PlanRef): Promise<StoredPlan> {
  const plan = await infra.store.get(ref.id);
  if (!plan)
    throw new OpsbotError(
      'E_UNKNOWN_PLAN',
      `There is no plan ${ref.id}. Plans are kept for their lifetime (planTtl) and a day after; run /infra plan <stack> for a new one.`,
    );
  if (ref.stack && ref.stack !== plan.stack)
    throw new OpsbotError('E_PLAN_STACK', `Plan ${ref.id} belongs to stack ${plan.stack}, not ${ref.stack}. Nothing was done.`);
  return plan;
}

/** One audit entry per decision on a plan (approved / rejected / denied). */
export async function auditDecision(
  ctx: CommandContext<PlanRef>,
  plan: Pick<StoredPlan, 'id' | 'stack'>,
  result: 'approved' | 'rejected' | 'denied',
  detail: string,
): Promise<void> {
  await ctx.deps.audit.append({
    actor: ctx.subject,
    platform: ctx.command.actor.platform,
    action: result === 'rejected' ? 'infra.reject' : 'infra.approve',
    target: `stack ${plan.stack} plan ${plan.id}`,
    result,
    detail,
  });
}
