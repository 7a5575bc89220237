import { NAME_PATTERN, REPO_PATH_PATTERN } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { PlanPayload } from '../../jobs/handlers/plan.js';
import { stackNamed, stackSource } from '../../terraform/infra-services.js';
import { heldError, holdInTheWay, sourceKey } from '../../terraform/plan-hold.js';
import { branchProblem, describeSource, resolveSource, type SourceRequest } from '../../terraform/plan-source.js';
import { checkStackPaths } from '../../terraform/stack-checkout.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs, usage } from './spec.js';
import type { ParsedLine } from '../parse.js';

export const infraPlan = defineCommand({
  name: 'infra plan',
  usage: '/infra plan <stack> [--branch <name> | --pr <number>] [--var-file <path>]',
  summary: 'Plan a Terraform stack (its branch, another branch, or a pull request); a second person approves the saved plan',
  action: 'infra.plan',
  parse(line, deps) {
    expectArgs(infraPlan, line, { min: 1, max: 1, flags: ['var-file', 'branch', 'pr'] });
    const stack = line.positional[0]!;
    if (!NAME_PATTERN.test(stack))
      throw usage(
        infraPlan,
        `"${stack}" is not a stack name (lowercase letters, digits and '-'). Known stacks: ${Object.keys(deps.config.stacks).join(', ') || 'none'}.`,
      );
    stackNamed(deps.config, stack);
    const varFile = line.flags['var-file'];
    // It becomes a tofu argument and a path in the checkout: relative, inside the repository.
    if (varFile !== undefined && !REPO_PATH_PATTERN.test(varFile))
      throw usage(infraPlan, `--var-file "${varFile}" must be a relative path inside the stack's repository (no "..", no absolute path).`);
    return { stack, varFiles: varFile === undefined ? [] : [varFile], ...sourceOf(line) };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack}`,
  async handle({ command, args, deps }) {
    const infra = deps.infra;
    const stack = stackNamed(deps.config, args.stack);
    const src = stackSource(infra, args.stack, stack);
    checkStackPaths(src, args.varFiles);
    const github = () => infra.github.forStack(args.stack, stack);
    // A branch or pull request that does not exist (or may not be planned) is refused now, before anything is queued.
    const resolved = args.source ? await resolveSource(src, args.source, github) : undefined;
    if (stack.lock === 'plan-to-apply') {
      const mine = { person: deps.policy.personOf(`${command.actor.platform}:${command.actor.id}`), source: sourceKey(resolved?.source, stack) };
      const other = await holdInTheWay(infra.holds, args.stack, mine, github);
      if (other) throw heldError(args.stack, other);
    }
    // Visibly busy: say so now instead of queueing a job that would only wait.
    const holder = await infra.locks.holder(args.stack);
    if (holder) throw new OpsbotError('E_STACK_LOCKED', `${describeHolder(args.stack, holder)} Try again when it has finished (/infra locks).`);
    const payload: PlanPayload = { stack: args.stack, varFiles: args.varFiles, ...(args.source ? { source: args.source } : {}) };
    const job = await deps.queues.enqueue('plan', payload, {
      requester: command.actor,
      conversation: command.conversation,
      target: `stack ${args.stack}`,
    });
    const what = resolved ? ` (${describeSource(resolved.source, stack.branch)} at ${resolved.commit.slice(0, 12)})` : '';
    return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: plan stack ${args.stack}${what}.` } };
  },
});

/** `--branch <name>` or `--pr <number>`, one at most, strictly checked: both reach git and GitHub. */
function sourceOf(line: ParsedLine): { source?: SourceRequest } {
  const { branch, pr } = line.flags;
  if (branch !== undefined && pr !== undefined) throw usage(infraPlan, 'Give --branch or --pr, not both.');
  if (branch !== undefined) {
    const problem = line.bare.has('branch') ? '--branch needs a branch name.' : branchProblem(branch);
    if (problem) throw usage(infraPlan, problem);
    return { source: { branch } };
  }
  if (pr !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(pr))
      throw usage(infraPlan, line.bare.has('pr') ? '--pr needs a pull request number.' : `--pr needs a pull request number, not "${pr}".`);
    return { source: { pr: Number(pr) } };
  }
  return {};
}
