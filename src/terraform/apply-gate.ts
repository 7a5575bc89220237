import { OpsbotError } from '../core/errors.js';
import { describeSource, staleReason, type PlanSource } from './plan-source.js';
import type { StackSource } from './stack-checkout.js';
import type { StackGitHub } from './stack-github.js';

/**
 * What must still hold when a plan is applied, besides the approvals in chat: its code has not
 * moved on (a branch or pull request with new commits makes the plan stale), and the stack's
 * `applyRequirements` (like Atlantis's) are met on GitHub. Checked when the approval arrives and
 * again by the apply job, right before it applies.
 */
export async function checkApplyGate(src: StackSource, plan: { id: string; commit: string | null; source?: PlanSource }, github: () => StackGitHub): Promise<void> {
  const stale = await staleReason(src, plan, github);
  if (stale) throw new OpsbotError('E_PLAN_OUTDATED', `Plan ${plan.id} is stale: ${stale}. Nothing was applied; run /infra plan ${src.name} ${sourceFlag(plan.source)}again.`);
  const missing = await missingRequirements(src, plan.source, github);
  if (missing.length) throw new OpsbotError('E_APPLY_REQUIREMENT', `Plan ${plan.id} cannot be applied yet: ${missing.join('; ')}. Nothing was applied; approve again once ${missing.length > 1 ? 'they are' : 'it is'} met.`);
}

function sourceFlag(source: PlanSource | undefined): string {
  if (!source) return '';
  return source.kind === 'branch' ? `--branch ${source.branch} ` : `--pr ${source.number} `;
}

/** Each unmet requirement, named. A plan of the stack's own branch needs none (its code is merged). */
export async function missingRequirements(src: StackSource, source: PlanSource | undefined, github: () => StackGitHub): Promise<string[]> {
  const wanted = src.stack.applyRequirements;
  if (!wanted.length || !source) return [];
  if (source.kind !== 'pr') return [`stack ${src.name} requires ${wanted.join(' and ')} on a pull request, and this plan is of ${describeSource(source, src.stack.branch)} (plan it with --pr)`];
  const gh = github();
  const pr = await gh.pull(source.number);
  if (!pr) return [`pull request #${source.number} no longer exists`];
  const out: string[] = [];
  if (wanted.includes('approved')) {
    const { approvedBy, changesRequestedBy } = await gh.reviews(source.number);
    if (changesRequestedBy.length) out.push(`approved: ${changesRequestedBy.join(', ')} requested changes on pull request #${pr.number}`);
    else if (!approvedBy.length) out.push(`approved: pull request #${pr.number} has no approving review on GitHub`);
  }
  if (wanted.includes('mergeable')) {
    if (pr.mergeable === null) out.push(`mergeable: GitHub has not worked out yet whether pull request #${pr.number} is mergeable (try again in a moment)`);
    else if (!pr.mergeable) out.push(`mergeable: pull request #${pr.number} is not mergeable (conflicts or failing requirements)`);
  }
  return out;
}
