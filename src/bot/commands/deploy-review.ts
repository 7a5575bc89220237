import { OpsbotError } from '../../core/errors.js';
import type { ReviewPayload } from '../../jobs/handlers/review.js';
import { defineCommand, expectArgs, usage, type CommandContext, type CommandSpec } from './spec.js';

interface ReviewArgs {
  id: string;
}

/**
 * `/deploy approve <job>` and `/deploy reject <job>`: the decision on a protected deploy's pull
 * request (the Approve / Reject buttons send exactly these words). Checked where it arrives:
 * the decider may deploy to that environment and, unless the config allows it, is not the
 * requester; the decision is one atomic step, so a double click decides once.
 */
function reviewCommand(decision: ReviewPayload['decision']): CommandSpec<ReviewArgs> {
  const verb = decision === 'approved' ? 'approve' : 'reject';
  const spec: CommandSpec<ReviewArgs> = defineCommand({
    name: `deploy ${verb}`,
    usage: `/deploy ${verb} <job-id>`,
    summary:
      decision === 'approved' ? 'Approve and merge the pull request of a protected deploy' : 'Reject a protected deploy: close its pull request',
    // The app and environment are only known from the review: checked in the handler.
    action: null,
    parse(line) {
      expectArgs(spec, line, { min: 1, max: 1 });
      const id = line.positional[0]!.replace(/^#/, '');
      if (!/^\d{1,12}$/.test(id)) throw usage(spec, `"${id}" is not a job id.`);
      return { id };
    },
    target: (a) => `review ${a.id}`,
    async handle({ args, subject, command, deps }: CommandContext<ReviewArgs>) {
      const reviews = deps.reviews;
      const review = await reviews.get(args.id);
      if (!review) throw new OpsbotError('E_UNKNOWN_REVIEW', `There is no pull request waiting for job ${args.id}.`);
      // A group's pull request changes every member: the decider needs the action on each.
      for (const app of review.apps ?? [review.app]) {
        const allowed = deps.policy.can(subject, review.action ?? 'deploy', { app, environment: review.env });
        if (!allowed.allowed) throw new OpsbotError('E_DENIED', `Denied: ${allowed.reason}`);
      }
      if (decision === 'approved' && deps.policy.samePerson(review.requester, subject) && !deps.config.gitops?.requesterMayApprove) {
        throw new OpsbotError(
          'E_DENIED',
          `Denied: you asked for this ${review.action === 'config' ? 'change' : 'deploy'}; someone else must approve it.`,
        );
      }
      const { won, found } = await reviews.decide(args.id, decision, subject);
      if (!won) {
        const now = await reviews.get(args.id);
        throw new OpsbotError(
          'E_ALREADY_DECIDED',
          found === 'missing'
            ? `The review of job ${args.id} has expired.`
            : `Job ${args.id} was already ${found}${now?.decidedBy ? ` by ${now.decidedBy}` : ''}; nothing changed.`,
        );
      }
      await deps.audit.append({
        actor: subject,
        platform: command.actor.platform,
        action: `deploy.${verb}`,
        target: `${review.app}@${review.env}`,
        result: decision,
        detail: review.url,
        job: args.id,
      });
      const payload: ReviewPayload = { id: args.id, decision };
      const job = await deps.queues.enqueue('review', payload, {
        requester: command.actor,
        conversation: command.conversation,
        target: `${review.app}@${review.env}`,
      });
      return {
        kind: 'queued',
        jobId: job.id,
        message: {
          status: 'progress',
          text: `${decision === 'approved' ? 'Approved' : 'Rejected'}: pull request #${review.pr} of job ${args.id} (${review.app} ${review.ref} → ${review.env}); job ${job.id} ${decision === 'approved' ? 'merges' : 'closes'} it.`,
        },
      };
    },
  });
  return spec;
}

export const deployApprove = reviewCommand('approved');
export const deployReject = reviewCommand('rejected');
