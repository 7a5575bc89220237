import { NAME_PATTERN } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { describeHold } from '../../terraform/review-lock.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs, usage } from './spec.js';

export const infraUnlock = defineCommand({
  name: 'infra unlock',
  usage: '/infra unlock <stack>',
  summary:
    "Free a stuck stack lock (admins), or a plan-to-apply lock (admins and the stack's approvers); audited. Terraform's own state lock: /infra force-unlock",
  // Checked in the handler: an approver of the stack may free its plan-to-apply lock, only an admin a job's lock.
  action: null,
  parse(line) {
    expectArgs(infraUnlock, line, { min: 1, max: 1 });
    const stack = line.positional[0]!;
    // Not required to be configured: a lock of a stack removed from the config must be freeable.
    if (!NAME_PATTERN.test(stack)) throw usage(infraUnlock, `"${stack}" is not a stack name.`);
    return { stack };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack}`,
  async handle({ args, deps, subject, command }) {
    const admin = deps.policy.can(subject, 'admin', { stack: args.stack });
    const approver = deps.policy.canApprove(subject, args.stack);
    const audit = (result: 'succeeded' | 'denied', detail: string) =>
      deps.audit.append({ actor: subject, platform: command.actor.platform, action: 'infra.unlock', target: `stack ${args.stack}`, result, detail });
    if (!admin.allowed && !approver.allowed) {
      await audit('denied', admin.reason ?? '');
      throw new OpsbotError('E_DENIED', `Denied: ${admin.reason} (An approver of the stack may free only its plan-to-apply lock.)`);
    }
    const freed: string[] = [];
    const hold = await deps.infra.holds.release(args.stack);
    if (hold) freed.push(`${describeHold(args.stack, hold)}: that plan-to-apply lock is freed.`);
    if (admin.allowed) {
      const held = await deps.infra.locks.forceUnlock(args.stack);
      if (held !== null)
        freed.push(
          `${describeHolder(args.stack, held ?? undefined)}\nIts lock is freed. If that job was killed mid-apply, Terraform's state lock may remain too: the next /infra plan ${args.stack} names it and offers /infra force-unlock.`,
        );
    } else if (await deps.infra.locks.holder(args.stack)) {
      if (!hold) {
        await audit('denied', `job lock: ${admin.reason ?? ''}`);
        throw new OpsbotError('E_DENIED', `Denied: ${admin.reason} (Stack ${args.stack} is locked by a running job; only an admin frees that lock.)`);
      }
      freed.push(`A running job's lock on stack ${args.stack} stays: only an admin frees it.`);
    }
    if (!freed.length) return { kind: 'reply', message: { text: `Stack ${args.stack} was not locked.` } };
    await audit('succeeded', freed.join(' '));
    return { kind: 'reply', message: { status: 'warning', title: `Stack ${args.stack} unlocked`, text: freed.join('\n') } };
  },
});
