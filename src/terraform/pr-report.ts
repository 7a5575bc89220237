import type { Actor, ConversationRef } from '../core/message.js';
import type { PlanSource } from './plan-source.js';
import { commentMarker, prCommentBody, statusContext } from './pr-comment.js';
import type { PlanOutcome } from './stack-run.js';
import type { StackGitHub, StatusState } from './stack-github.js';

/**
 * Tells the pull request what chat was told: the plan comment (created, or edited on a re-plan)
 * and the `opsbot/plan: <stack>` commit status. GitHub being unreachable does not undo a plan:
 * the failure is said in chat instead. Returns the line the chat message ends with.
 */
export async function reportPlanOnPullRequest(
  github: StackGitHub,
  p: { stack: string; source: Extract<PlanSource, { kind: 'pr' }>; commit: string; outcome: Pick<PlanOutcome, 'summary' | 'planText'>; planId?: string; job: { id: string; requester: Actor; conversation: ConversationRef } },
): Promise<string> {
  const n = p.source.number;
  try {
    const body = prCommentBody({ stack: p.stack, summary: p.outcome.summary, commit: p.commit, planId: p.planId, planText: p.outcome.planText, requester: p.job.requester, conversation: p.job.conversation, jobId: p.job.id });
    const comment = await github.upsertComment(n, commentMarker(p.stack), body);
    const c = p.outcome.summary.counts;
    const status: { state: StatusState; description: string } = p.planId
      ? { state: 'pending', description: `Plan ${p.planId}: ${c.create} to add, ${c.update} to change, ${c.replace} to replace, ${c.destroy} to destroy; awaiting approval in chat` }
      : { state: 'success', description: 'No changes' };
    await github.setStatus(p.commit, { context: statusContext(p.stack), ...status, targetUrl: comment.url });
    return `Plan ${comment.updated ? 'comment updated' : 'posted'} on pull request #${n}: ${comment.url}`;
  } catch (err) {
    return `Could not post the plan on pull request #${n}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** After an apply from chat: the status says applied (or failed), with the plan and who approved. */
export async function reportApplyOnPullRequest(github: StackGitHub, p: { stack: string; commit: string; planId: string; applied: boolean; approvers: string[] }): Promise<string> {
  try {
    await github.setStatus(p.commit, {
      context: statusContext(p.stack),
      state: p.applied ? 'success' : 'failure',
      description: p.applied ? `Applied plan ${p.planId} (approved by ${p.approvers.join(', ') || 'chat'})` : `Apply of plan ${p.planId} failed; see chat`,
    });
    return '';
  } catch (err) {
    return `Could not set the ${statusContext(p.stack)} status: ${err instanceof Error ? err.message : String(err)}`;
  }
}
