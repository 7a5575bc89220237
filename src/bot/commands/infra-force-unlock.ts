import { NAME_PATTERN } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { actorSubject } from '../../core/message.js';
import type { ForceUnlockPayload } from '../../jobs/handlers/force-unlock.js';
import { stackNamed } from '../../terraform/infra-services.js';
import { forceUnlockButton, isLockId } from '../../terraform/state-lock.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { UNLOCK_REQUEST_TTL_MS, type UnlockRequest } from '../../terraform/unlock-requests.js';
import { defineCommand, expectArgs, usage } from './spec.js';

/**
 * Terraform's own state lock, left held (an apply that was killed), freed by two people: the
 * first `/infra force-unlock <stack> <lock id>` records the request; the same command (or its
 * button) from an approver of the stack who is another person queues `force-unlock -force`.
 */
export const infraForceUnlock = defineCommand({
  name: 'infra force-unlock',
  usage: '/infra force-unlock <stack> <lock-id>',
  summary: "Remove Terraform's state lock a killed run left held: one person asks, another approver of the stack confirms; audited",
  // Checked in the handler: asking needs infra.plan (or the approve right), confirming the stack's approvers.
  action: null,
  parse(line) {
    expectArgs(infraForceUnlock, line, { min: 2, max: 2 });
    const [stack, lockId] = line.positional as [string, string];
    if (!NAME_PATTERN.test(stack)) throw usage(infraForceUnlock, `"${stack}" is not a stack name.`);
    if (!isLockId(lockId))
      throw usage(
        infraForceUnlock,
        `"${lockId.slice(0, 80)}" is not a state lock id (a UUID such as 8c3f0e2a-…, as the "state is locked" reply shows). Nothing was done.`,
      );
    return { stack, lockId };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack} lock ${a.lockId}`,
  async handle({ args, deps, subject, command }) {
    const { stack, lockId } = args;
    stackNamed(deps.config, stack);
    const infra = deps.infra;
    const audit = (result: 'accepted' | 'approved' | 'denied', detail: string) =>
      deps.audit.append({
        actor: subject,
        platform: command.actor.platform,
        action: 'infra.force-unlock',
        target: `stack ${stack} lock ${lockId}`,
        result,
        detail,
      });
    const deny = async (text: string): Promise<never> => {
      await audit('denied', text);
      throw new OpsbotError('E_DENIED', text);
    };
    const approver = deps.policy.canApprove(subject, stack);

    let pending = await infra.unlocks.get(stack, lockId);
    if (!pending) {
      const asker = deps.policy.can(subject, 'infra.plan', { stack });
      if (!asker.allowed && !approver.allowed) return deny(`Denied: ${asker.reason}.`);
      const request: UnlockRequest = { stack, lockId, requester: command.actor, at: Date.now() };
      pending = await infra.unlocks.ask(request);
      if (!pending) {
        await audit('accepted', `force-unlock requested; awaiting an approver of stack ${stack} other than ${command.actor.displayName}`);
        return {
          kind: 'reply',
          message: {
            status: 'warning',
            title: `Force-unlock of stack ${stack} requested`,
            text:
              `${command.actor.displayName} asks to remove Terraform's state lock ${lockId} of stack ${stack}. ` +
              `An approver of the stack other than ${command.actor.displayName} must confirm: /infra force-unlock ${stack} ${lockId}. ` +
              `The request expires in ${Math.round(UNLOCK_REQUEST_TTL_MS / 60_000)} min.`,
            buttons: [forceUnlockButton(stack, lockId, 'Confirm force-unlock')],
          },
        };
      }
    }

    // A request is pending: this is the confirmation, by someone else who approves the stack.
    if (deps.policy.samePerson(actorSubject(pending.requester), subject)) {
      return deny(`Denied: you asked for this force-unlock; an approver of stack ${stack} other than you must confirm it.`);
    }
    if (!approver.allowed) return deny(`Denied: ${approver.reason}.`);
    const busy = await infra.locks.holder(stack);
    if (busy) {
      throw new OpsbotError(
        'E_STACK_LOCKED',
        `${describeHolder(stack, busy)} Its state lock may be that job's own: nothing was unlocked, and the request stands; confirm again when it has finished.`,
      );
    }
    const taken = await infra.unlocks.take(stack, lockId);
    if (!taken)
      return {
        kind: 'reply',
        message: { status: 'info', text: `The force-unlock of stack ${stack} (lock ${lockId}) was already confirmed by someone else.` },
      };
    let jobId: string;
    try {
      const payload: ForceUnlockPayload = { stack, lockId, requestedBy: taken.requester.displayName };
      jobId = (
        await deps.queues.enqueue('force-unlock', payload, { requester: command.actor, conversation: command.conversation, target: `stack ${stack}` })
      ).id;
    } catch (err) {
      // Nothing queued: the request stands, to be confirmed again.
      await infra.unlocks.ask(taken);
      throw err;
    }
    await audit('approved', `asked by ${actorSubject(taken.requester)}; job ${jobId}`);
    return {
      kind: 'queued',
      jobId,
      message: {
        status: 'progress',
        text: `Force-unlock of stack ${stack} (lock ${lockId}, asked by ${taken.requester.displayName}) confirmed by ${command.actor.displayName}. Queued as job ${jobId}: force-unlock stack ${stack}.`,
      },
    };
  },
});
