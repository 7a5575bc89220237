import { OpsbotError } from '../../core/errors.js';
import { actorSubject } from '../../core/message.js';
import { auditDecision, findPlan, parsePlanRef, type PlanRef } from './infra-decision.js';
import { defineCommand } from './spec.js';

export const infraReject = defineCommand({
  name: 'infra reject',
  usage: '/infra reject <plan-id> [stack]',
  summary: 'Reject a saved plan (its approvers, or its requester withdrawing it)',
  // Checked in the handler: the requester may withdraw their own plan without the approve right.
  action: null,
  parse: (line): PlanRef => parsePlanRef(infraReject, line),
  target: (a) => `plan ${a.id}`,
  async handle(ctx) {
    const { args, subject, deps, command } = ctx;
    const infra = deps.infra;
    const plan = await findPlan(infra, args);
    // The requester may withdraw their plan, from any of their accounts.
    if (!deps.policy.samePerson(actorSubject(plan.requester), subject)) {
      const allowed = deps.policy.canApprove(subject, plan.stack);
      if (!allowed.allowed) {
        await auditDecision(ctx, plan, 'denied', `reject: ${allowed.reason ?? ''}`);
        throw new OpsbotError('E_DENIED', `Denied: ${allowed.reason}.`);
      }
    }
    const result = await infra.store.reject(plan.id, subject);
    if (result.state === 'missing') throw new OpsbotError('E_UNKNOWN_PLAN', `There is no plan ${plan.id} any more.`);
    if (result.state !== 'rejected' || result.by !== subject) {
      throw new OpsbotError(
        'E_PLAN_STATE',
        `Plan ${plan.id} is ${result.state}${result.by ? ` (by ${result.by})` : ''}; only a pending plan can be rejected.`,
      );
    }
    await auditDecision(ctx, plan, 'rejected', `rejected by ${subject}`);
    // A rejected plan no longer holds its stack (lock: plan-to-apply).
    await infra.holds.release(plan.stack, plan.id);
    return {
      kind: 'reply',
      message: {
        status: 'warning',
        title: `Plan ${plan.id} rejected`,
        text: `${command.actor.displayName} rejected plan ${plan.id} of stack ${plan.stack}. Nothing will be applied.`,
      },
    };
  },
});
