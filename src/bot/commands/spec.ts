import type { AuditLog } from '../../core/audit.js';
import type { Action, Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { Actor, ConversationRef } from '../../core/message.js';
import type { Policy, Resource, Subject } from '../../core/policy.js';
import type { ReviewStore } from '../../gitops/review-store.js';
import type { Outbox } from '../../jobs/outbox.js';
import type { JobSummary } from '../../jobs/queues.js';
import type { InfraServices } from '../../terraform/infra-services.js';
import type { PlanStore } from '../../terraform/plan-store.js';
import type { ReviewLocks } from '../../terraform/review-lock.js';
import type { StackLocks } from '../../terraform/stack-lock.js';
import type { UnlockRequests } from '../../terraform/unlock-requests.js';
import type { Command, Outcome } from '../command.js';
import type { ParsedLine } from '../parse.js';

/** The job queue as commands use it (JobQueues, on BullMQ). */
export interface JobQueue {
  enqueue<P>(kind: string, payload: P, meta: { requester: Actor; conversation: ConversationRef; target: string }): Promise<{ id: string }>;
  summary(id: string): Promise<JobSummary | undefined>;
  /** Most recent first. */
  recent(limit: number): Promise<JobSummary[]>;
  /** A waiting job is removed; a running one is asked to stop. */
  cancel(id: string): Promise<'removed' | 'signalled' | 'finished'>;
  /** The conversation a job reports to, while the queue still holds the job. */
  conversationOf(id: string): Promise<ConversationRef | undefined>;
}

/** The Terraform plan store and stack locks as the /infra commands use them. */
export type CommandInfra = Pick<InfraServices, 'baseDir' | 'stateHome' | 'github'> & {
  store: Pick<PlanStore, 'get' | 'approve' | 'release' | 'setApplyJob' | 'reject'>;
  locks: Pick<StackLocks, 'holder' | 'list' | 'forceUnlock'>;
  holds: Pick<ReviewLocks, 'get' | 'release' | 'list'>;
  unlocks: Pick<UnlockRequests, 'ask' | 'get' | 'take'>;
};

/** What command handlers may use; handed in by the composition root. */
export interface CommandDeps {
  config: Config;
  policy: Policy;
  queues: JobQueue;
  audit: Pick<AuditLog, 'append' | 'recent'>;
  outbox: Pick<Outbox, 'publish'>;
  /** Pull requests of protected deploys awaiting a decision. */
  reviews: Pick<ReviewStore, 'get' | 'decide'>;
  /** Terraform plan store and stack locks, shared with the plan/apply jobs. */
  infra: CommandInfra;
  /** Every command, for /help. */
  commands: () => readonly CommandSpec[];
}

export interface CommandContext<A> {
  command: Command;
  subject: Subject;
  args: A;
  deps: CommandDeps;
}

/**
 * One chat command. Each file under commands/ exports one: its usage, its argument parser, the
 * policy action it needs and a handler that validates and enqueues. /help is generated from these.
 */
export interface CommandSpec<A = unknown> {
  /** `deploy`, or two words for a subcommand: `infra plan`. */
  name: string;
  /** `/deploy <app> <tag> [env]` */
  usage: string;
  summary: string;
  /** The policy action; `null` for commands anyone may run (help). */
  action: Action | null;
  /** Error codes of `parse` that answer the question rather than refuse it (`/status nosuch`). */
  answers?: readonly string[];
  /** Validate arguments; throw `usage(...)` on anything wrong. */
  parse(line: ParsedLine, deps: CommandDeps): A;
  /** What the action is about, for the access check; several (a group deploy): each is checked. */
  resource?(args: A): Resource | readonly Resource[];
  /** Audit target, e.g. `web@prod`. */
  target?(args: A): string;
  handle(ctx: CommandContext<A>): Promise<Outcome>;
}

export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}

/**
 * The common end of a command handler: queue the job for the asking conversation and answer
 * at once with "Queued as job N: <what>".
 */
export async function queueJob<P>(
  ctx: Pick<CommandContext<unknown>, 'command' | 'deps'>,
  kind: string,
  payload: P,
  target: string,
  what: string,
): Promise<Outcome> {
  const job = await ctx.deps.queues.enqueue(kind, payload, { requester: ctx.command.actor, conversation: ctx.command.conversation, target });
  return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: ${what}.` } };
}

/** A usage error that tells what was wrong and how to do it right. */
export function usage(spec: Pick<CommandSpec, 'usage'>, problem: string): OpsbotError {
  return new OpsbotError('E_USAGE', `${problem}\nUsage: ${spec.usage}`);
}

/** Refuse arguments a command does not take, so typos do not pass silently. */
export function expectArgs(
  spec: Pick<CommandSpec, 'usage'>,
  line: ParsedLine,
  opts: { min: number; max: number; flags?: string[]; pairs?: string[] },
): void {
  const n = line.positional.length;
  if (n < opts.min) throw usage(spec, `Missing argument${opts.min - n > 1 ? 's' : ''}.`);
  if (n > opts.max) throw usage(spec, `Too many arguments.`);
  for (const f of Object.keys(line.flags)) if (!opts.flags?.includes(f)) throw usage(spec, `Unknown option --${f}.`);
  for (const p of Object.keys(line.pairs)) if (!opts.pairs?.includes(p)) throw usage(spec, `Unknown argument ${p}=….`);
}
