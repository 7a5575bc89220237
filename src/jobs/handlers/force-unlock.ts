import { OpsbotError } from '../../core/errors.js';
import { stackNamed, stackSource } from '../../terraform/infra-services.js';
import { isLockId } from '../../terraform/state-lock.js';
import { withinTimeout } from '../../terraform/stack-run.js';
import type { JobKind } from '../kind.js';
import type { TerraformJobDeps } from './plan.js';

export interface ForceUnlockPayload {
  stack: string;
  lockId: string;
  /** Who asked for it (the job's requester is the approver who confirmed it). */
  requestedBy: string;
}

/**
 * `/infra force-unlock <stack> <lock id>`, once a second person confirmed it: under opsbot's
 * stack lock (never while one of its own jobs runs tofu on the stack), check out and init the
 * stack, then `force-unlock -force <lock id>`. A lock id that is not the held one fails with
 * tofu's own words. Running it again is harmless (tofu says the state is not locked).
 */
export function forceUnlockJob(deps: TerraformJobDeps): JobKind<ForceUnlockPayload> {
  return {
    name: 'force-unlock',
    idempotent: true,
    attempts: 1,
    answers: { E_STACK_LOCKED: 'refused' },
    async run({ job, reporter, signal }) {
      const { stack: name, lockId, requestedBy } = job.payload;
      const stack = stackNamed(deps.config, name);
      if (!isLockId(lockId)) throw new OpsbotError('E_BAD_ARGUMENT', `"${lockId}" is not a state lock id. Nothing was run.`);
      const src = stackSource(deps.infra, name, stack);
      deps.stacks.binaryFor(stack);
      // A job of ours on the stack may be the lock's rightful holder: refuse rather than wait.
      const lock = await deps.infra.locks.acquire(
        name,
        { job: job.id, kind: 'force-unlock', by: job.requester.displayName, since: Date.now() },
        { waitMs: 0, signal },
      );
      try {
        await withinTimeout('plan', src, signal, async (limited) => {
          const open = await deps.stacks.open(src, { signal: limited, progress: (m) => reporter.progress(m) });
          try {
            await reporter.progress({ text: `Removing Terraform's state lock ${lockId} of stack ${name}…` });
            await open.forceUnlock(lockId, { signal: limited });
          } finally {
            await open.dispose();
          }
        });
      } finally {
        await lock.release();
      }
      return {
        status: 'success',
        title: `Stack ${name}: state unlocked`,
        text: `Terraform's state lock ${lockId} of stack ${name} is removed (asked by ${requestedBy}, confirmed by ${job.requester.displayName}). Run /infra plan ${name} to see where the state stands.`,
      };
    },
  };
}
