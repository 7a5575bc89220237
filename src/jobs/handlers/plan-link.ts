import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { ChatLink } from '../../core/message.js';
import { stackNamed, type InfraServices } from '../../terraform/infra-services.js';
import { commentMarker, withChatLink } from '../../terraform/pr-comment.js';
import type { FollowUp } from '../outbox.js';
import type { JobKind } from '../kind.js';

export interface PlanLinkPayload {
  stack: string;
  /** The pull request whose plan comment links the chat message. */
  pr: number;
  /** The plan job whose final message it is: the comment must still show that job's plan. */
  planJob: string;
  /** Where the message landed, from the adapter that posted it. */
  link: ChatLink;
}

/**
 * The plan's chat message exists only once the bot delivered it — after the plan job posted its
 * pull request comment, which then named the chat in words. Queued by the delivery loop with the
 * message's link (Slack permalink, t.me link): the comment's chat place becomes that link,
 * unless a re-plan has replaced the comment meanwhile. Quiet: the chat already has its answer.
 */
export function planLinkJob(deps: { config: Pick<Config, 'stacks'>; infra: Pick<InfraServices, 'github'> }): JobKind<PlanLinkPayload> {
  return {
    name: 'plan-link',
    idempotent: true,
    attempts: 3,
    quiet: true,
    retryOn: ['E_GITHUB'],
    async run({ job }) {
      const { stack: name, pr, planJob, link } = job.payload;
      if (!Number.isInteger(pr) || pr < 1) throw new OpsbotError('E_BAD_ARGUMENT', `"${String(pr)}" is not a pull request number.`);
      const stack = stackNamed(deps.config, name);
      const github = deps.infra.github.forStack(name, stack);
      const changed = await github.editComment(pr, commentMarker(name), (body) => withChatLink(body, planJob, link));
      return {
        text: changed
          ? `The plan comment on pull request #${pr} now links ${link.url ?? link.text}.`
          : `The plan comment on pull request #${pr} no longer shows job ${planJob}'s plan (or is gone): left as it is.`,
      };
    },
  };
}

/** What a plan of a pull request asks for once its message is in Slack or Telegram (the console's place is known at once). */
export function planLinkFollowUp(job: {
  id: string;
  conversation: { platform: string };
  payload: { stack: string; source?: { pr: number } | { branch: string } };
}): FollowUp | undefined {
  const source = job.payload.source;
  if (!source || !('pr' in source) || job.conversation.platform === 'console') return undefined;
  return {
    kind: 'plan-link',
    target: `stack ${job.payload.stack} #${source.pr}`,
    payload: { stack: job.payload.stack, pr: source.pr, planJob: job.id },
  };
}
