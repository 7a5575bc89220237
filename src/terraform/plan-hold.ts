import type { StackConfig } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';
import type { PlanSource } from './plan-source.js';
import { describeHold, type ReviewHold, type ReviewLocks } from './review-lock.js';
import type { StackGitHub } from './stack-github.js';

/**
 * The rules around a stack's plan-to-apply lock, shared by /infra plan (refuse at once) and the
 * plan job (take it, atomically): who may plan while it is held, and when a merged or closed
 * pull request frees it.
 */

export function sourceKey(source: PlanSource | undefined, stack: Pick<StackConfig, 'branch'>): string {
  if (!source) return `branch:${stack.branch}`;
  return source.kind === 'pr' ? `pr:${source.number}` : `branch:${source.branch}`;
}

/** The hold a plan asks for; `source` as the command names it (`--pr 12` → pr:12). */
export function holdFor(opts: { person: string; by: string; source: string; pr?: { number: number; url: string }; planId?: string }): ReviewHold {
  return { person: opts.person, by: opts.by, since: Date.now(), source: opts.source, ...(opts.pr ? { pr: opts.pr } : {}), ...(opts.planId ? { planId: opts.planId } : {}) };
}

/**
 * Someone else's hold that stands in the way of `mine`, or undefined. A hold whose pull request
 * was merged or closed is freed here: merging ends the review it was held for.
 */
export async function holdInTheWay(holds: Pick<ReviewLocks, 'get' | 'release'>, stack: string, mine: Pick<ReviewHold, 'person' | 'source'>, github: () => StackGitHub): Promise<ReviewHold | undefined> {
  const h = await holds.get(stack);
  if (!h || (h.person === mine.person && h.source === mine.source)) return undefined;
  if (await prEnded(h, github)) {
    await holds.release(stack, h.planId);
    return undefined;
  }
  return h;
}

/** True when the hold is for a pull request that is merged or closed (or gone). */
export async function prEnded(h: ReviewHold, github: () => StackGitHub): Promise<boolean> {
  if (!h.pr) return false;
  try {
    const pr = await github().pull(h.pr.number);
    return !pr || pr.state !== 'open';
  } catch {
    // GitHub unreachable: the hold stands (it still expires with its plan).
    return false;
  }
}

export function heldError(stack: string, h: ReviewHold): OpsbotError {
  return new OpsbotError(
    'E_STACK_HELD',
    `${describeHold(stack, h)}: it is held from plan to apply (lock: plan-to-apply). Your plan was refused; nothing was planned. It frees on apply, rejection, expiry${h.pr ? ' or merge' : ''}, or by an approver with /infra unlock ${stack}.`,
  );
}
