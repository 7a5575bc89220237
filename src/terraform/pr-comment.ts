import type { Actor, ChatLink, ConversationRef } from '../core/message.js';
import { countsLine, destructiveWarning, shortCommit, summaryLines } from './plan-message.js';
import type { PlanSummary } from './plan-summary.js';

/**
 * The plan as the pull request shows it, in the Atlantis way: one comment per stack (found
 * again by its marker and edited on every re-plan), the summary in view and the full plan in a
 * collapsed <details> block. Pure, so its shape is tested without GitHub.
 */

/** GitHub refuses a comment body over 65,536 characters; the plan is cut well below that. */
const PLAN_TEXT_LIMIT = 60_000;

export const commentMarker = (stack: string) => `<!-- opsbot-plan:${stack} -->`;
/** Which job's plan the comment shows: a late chat link of an earlier plan must not land on a re-plan's comment. */
export const jobMarker = (jobId: string) => `<!-- opsbot-job:${jobId} -->`;
/** Around the words that say where in chat the plan is: replaced by a link once the chat message exists. */
const PLACE = /<!-- chat -->[\s\S]*?<!-- \/chat -->/;
export const statusContext = (stack: string) => `opsbot/plan: ${stack}`;

export interface PrCommentInput {
  stack: string;
  summary: PlanSummary;
  commit: string;
  planId?: string;
  planText: string;
  requester: Actor;
  conversation: ConversationRef;
  jobId: string;
  /** Where the plan's chat message is, when known already (the console); else the conversation in words until the link comes. */
  link?: ChatLink;
}

/** Where in chat the plan was asked for: the conversation a reviewer finds its Approve button in. */
export function chatPlace(c: ConversationRef): string {
  if (c.platform === 'console') return `the opsbot console (session ${c.channel})`;
  return `${c.platform === 'slack' ? 'Slack' : 'Telegram'} ${c.platform === 'slack' ? `<#${c.channel}>` : `chat ${c.channel}`}${c.thread ? ` (thread ${c.thread})` : ''}`;
}

export function prCommentBody(p: PrCommentInput): string {
  const s = p.summary;
  const warning = destructiveWarning(s);
  const head = s.noChanges
    ? `**No changes** for stack \`${p.stack}\` at ${p.commit.slice(0, 12)}: the infrastructure matches this code.`
    : `**Plan for stack \`${p.stack}\`** at ${shortCommit(p.commit)}: ${countsLine(s)}.`;
  const text = p.planText.length > PLAN_TEXT_LIMIT ? `${p.planText.slice(0, PLAN_TEXT_LIMIT)}\n… (cut; the full plan is in chat)` : p.planText;
  const lines = [
    head,
    ...(warning ? ['', `> [!WARNING]\n> ${warning}`] : []),
    ...(s.noChanges ? [] : ['', '```', ...summaryLines(s), '```']),
    '',
    '<details><summary>Show the full plan</summary>',
    '',
    '```diff',
    // A fence inside the plan would end the block early.
    text.replace(/```/g, '`\u200b``'),
    '```',
    '',
    '</details>',
    '',
    `${p.planId ? `Plan \`${p.planId}\` by` : 'Planned by'} ${p.requester.displayName} from <!-- chat -->${placeText(p.link ?? { text: chatPlace(p.conversation) })}<!-- /chat --> (job ${p.jobId}).${p.planId ? ` Approve it there: \`/infra apply ${p.planId}\`.` : ''} ${jobMarker(p.jobId)}`,
  ];
  return lines.join('\n');
}

/**
 * The comment with its chat place turned into `link` — undefined when the comment no longer shows
 * job `jobId`'s plan (a re-plan replaced it): that plan's link does not belong there.
 */
export function withChatLink(body: string, jobId: string, link: ChatLink): string | undefined {
  if (!body.includes(jobMarker(jobId))) return undefined;
  return body.replace(PLACE, () => `<!-- chat -->${placeText(link)}<!-- /chat -->`);
}

/** A link only to an https URL with nothing that could end the Markdown link early; else the words. */
function placeText(link: ChatLink): string {
  const text = link.text.replace(/[[\]]/g, '');
  return link.url && /^https:\/\/[^\s()<>[\]]+$/.test(link.url) ? `[${text}](${link.url})` : text;
}
