import { OpsbotError } from '../../core/errors.js';
import { actorSubject } from '../../core/message.js';
import { defineCommand, expectArgs, usage } from './spec.js';

export const cancel = defineCommand({
  name: 'cancel',
  usage: '/cancel <job-id>',
  summary: 'Cancel a queued or running job (your own, or any with the cancel right)',
  // Checked in the handler: requesters may always cancel their own jobs.
  action: null,
  parse(line) {
    expectArgs(cancel, line, { min: 1, max: 1 });
    const id = line.positional[0]!.replace(/^#/, '');
    if (!/^\d{1,12}$/.test(id)) throw usage(cancel, `"${id}" is not a job id (a number, as /jobs shows).`);
    return { id };
  },
  target: (a) => `job ${a.id}`,
  async handle({ args, subject, deps, command }) {
    const job = await deps.queues.summary(args.id);
    if (!job) throw new OpsbotError('E_UNKNOWN_JOB', `There is no job ${args.id}. /jobs lists recent ones.`);
    const own = actorSubject(job.requester) === subject;
    if (!own) {
      const decision = deps.policy.can(subject, 'cancel');
      if (!decision.allowed)
        throw new OpsbotError(
          'E_DENIED',
          `Job ${args.id} was requested by ${job.requester.displayName}; cancelling someone else's job needs the cancel right.`,
        );
    }
    // Read before cancelling: a waiting job is removed together with its data.
    const conversation = await deps.queues.conversationOf(args.id);
    const result = await deps.queues.cancel(args.id);
    if (result === 'finished') return { kind: 'reply', message: { text: `Job ${args.id} has already finished (${job.outcome ?? job.state}).` } };
    if (result === 'removed') {
      // It never started, so no worker will say its last word: say it here, in its own conversation.
      if (conversation) {
        await deps.outbox.publish({
          conversation,
          key: `job:${args.id}`,
          message: { status: 'warning', title: 'Cancelled', text: `Job ${args.id} was cancelled before it started by ${command.actor.displayName}.` },
          final: 'cancelled',
        });
      }
      return { kind: 'reply', message: { text: `Job ${args.id} was cancelled before it started.` } };
    }
    return { kind: 'reply', message: { text: `Job ${args.id} is running; it has been asked to stop.` } };
  },
});
