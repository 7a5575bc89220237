import { isOpsbotError, OpsbotError, type ErrorCode } from '../../core/errors.js';
import type { ApplyPayload } from '../../jobs/handlers/apply.js';
import { checkApplyGate } from '../../terraform/apply-gate.js';
import { stackSource } from '../../terraform/infra-services.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { auditDecision, findPlan, parsePlanRef, type PlanRef } from './infra-decision.js';
import { defineCommand } from './spec.js';
import { ownEntry } from '../../core/config/own-entry.js';

/**
 * The text form of Approve (the button's id is this command). The rules are enforced here,
 * where the approval arrives, and decided in one Lua script (PlanStore.approve): approver
 * groups, four eyes, expiry, supersession, rejection, N distinct approvers, one apply job.
 */
export const infraApply = defineCommand({
  name: 'infra apply',
  usage: '/infra apply <plan-id> [stack]',
  summary: 'Approve a saved plan; it is applied when enough approvers agree',
  // Coarse check here (any infra.approve right); the stack-specific rules need the plan.
  action: 'infra.approve',
  parse: (line): PlanRef => parsePlanRef(infraApply, line),
  target: (a) => `plan ${a.id}`,
  async handle(ctx) {
    const { args, subject, deps, command } = ctx;
    const infra = deps.infra;
    const plan = await findPlan(infra, args);
    const stack = ownEntry(deps.config.stacks, plan.stack);
    if (!stack) throw new OpsbotError('E_UNKNOWN_STACK', `Plan ${plan.id} is for stack ${plan.stack}, which is no longer configured.`);

    const deny = async (code: ErrorCode, text: string): Promise<never> => {
      await auditDecision(ctx, plan, 'denied', text);
      throw new OpsbotError(code, text);
    };
    const allowed = deps.policy.canApprove(subject, plan.stack);
    if (!allowed.allowed) return deny('E_DENIED', `Denied: ${allowed.reason}.`);
    if (plan.state === 'pending') {
      const holder = await infra.locks.holder(plan.stack);
      if (holder)
        throw new OpsbotError(
          'E_STACK_LOCKED',
          `${describeHolder(plan.stack, holder)} Your approval was not recorded; approve again when it has finished.`,
        );
      // Stale code or unmet applyRequirements: refused before the approval counts (the job checks again).
      try {
        await checkApplyGate(stackSource(infra, plan.stack, stack), plan, () => infra.github.forStack(plan.stack, stack));
      } catch (err) {
        if (isOpsbotError(err)) return deny(err.code, `${err.userMessage} Your approval was not recorded.`);
        throw err;
      }
    }

    const required = stack.approvalsRequired;
    const result = await infra.store.approve(plan, subject, {
      required,
      requesterMayApprove: stack.requesterMayApprove,
      people: deps.policy.people(),
    });
    switch (result.kind) {
      case 'start': {
        let jobId: string;
        try {
          const payload: ApplyPayload = { planId: plan.id, stack: plan.stack };
          const job = await deps.queues.enqueue('apply', payload, {
            requester: command.actor,
            conversation: command.conversation,
            target: `stack ${plan.stack}`,
          });
          jobId = job.id;
        } catch (err) {
          // Nothing queued: the plan is pending again, so the approval can simply be repeated.
          await infra.store.release(plan.id);
          throw err;
        }
        await infra.store.setApplyJob(plan.id, jobId);
        await auditDecision(ctx, plan, 'approved', `approval ${result.approvals} of ${required}; apply job ${jobId}`);
        return {
          kind: 'queued',
          jobId,
          message: {
            status: 'progress',
            text: `Plan ${plan.id} approved by ${command.actor.displayName} (${result.approvals} of ${required}). Queued as job ${jobId}: apply stack ${plan.stack}.`,
          },
        };
      }
      case 'recorded':
        await auditDecision(ctx, plan, 'approved', `approval ${result.approvals} of ${required}`);
        return {
          kind: 'reply',
          message: {
            status: 'info',
            text: `Approval ${result.approvals} of ${required} recorded for plan ${plan.id} (stack ${plan.stack}); waiting for ${required - result.approvals} more approver${required - result.approvals > 1 ? 's' : ''}.`,
          },
        };
      case 'already':
        return {
          kind: 'reply',
          message: {
            status: 'info',
            text: `You have already approved plan ${plan.id}${result.as !== subject ? ` as ${result.as}, another account of ${deps.policy.personOf(subject)}` : ''} (${result.approvals} of ${required} approvals); it needs another approver.`,
          },
        };
      case 'approved':
      case 'applying':
        return {
          kind: 'reply',
          message: {
            status: 'info',
            text: `Plan ${plan.id} is already approved${result.job ? `; apply job ${result.job} is on it` : ''}. Nothing more to do.`,
          },
        };
      case 'own': {
        const via = result.requester !== subject ? ` as ${result.requester}, another account of ${deps.policy.personOf(subject)}` : '';
        return deny(
          'E_DENIED',
          `Denied: you requested plan ${plan.id}${via}; someone else must approve it (stack ${plan.stack} does not allow requesters to approve their own plans).`,
        );
      }
      case 'superseded':
        return deny(
          'E_PLAN_SUPERSEDED',
          `Plan ${plan.id} was superseded by plan ${result.by}, a newer plan of stack ${plan.stack}. Review and approve that one instead.`,
        );
      case 'rejected':
        return deny(
          'E_PLAN_REJECTED',
          `Plan ${plan.id} was rejected by ${result.by}; it cannot be applied. Run /infra plan ${plan.stack} for a new one.`,
        );
      case 'expired':
        return deny(
          'E_PLAN_EXPIRED',
          `Plan ${plan.id} expired at ${new Date(plan.expiresAt).toISOString()}; run /infra plan ${plan.stack} for a new one.`,
        );
      case 'missing':
        return deny('E_UNKNOWN_PLAN', `There is no plan ${plan.id} any more; run /infra plan ${plan.stack}.`);
      case 'applied':
        return deny('E_PLAN_APPLIED', `Plan ${plan.id} has already been applied (job ${result.job}).`);
      case 'failed':
        return deny('E_PLAN_FAILED', `The apply of plan ${plan.id} (job ${result.job}) failed; run /infra plan ${plan.stack} for a new one.`);
    }
  },
});
