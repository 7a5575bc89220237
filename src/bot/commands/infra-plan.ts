import { NAME_PATTERN, REPO_PATH_PATTERN } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import type { PlanPayload } from '../../jobs/handlers/plan.js';
import { stackNamed, stackSource } from '../../terraform/infra-services.js';
import { checkStackPaths } from '../../terraform/stack-checkout.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs, usage } from './spec.js';

export const infraPlan = defineCommand({
  name: 'infra plan',
  usage: '/infra plan <stack> [--var-file <path>]',
  summary: 'Plan a Terraform stack; a second person approves the saved plan',
  action: 'infra.plan',
  parse(line, deps) {
    expectArgs(infraPlan, line, { min: 1, max: 1, flags: ['var-file'] });
    const stack = line.positional[0]!;
    if (!NAME_PATTERN.test(stack)) throw usage(infraPlan, `"${stack}" is not a stack name (lowercase letters, digits and '-'). Known stacks: ${Object.keys(deps.config.stacks).join(', ') || 'none'}.`);
    stackNamed(deps.config, stack);
    const varFile = line.flags['var-file'];
    // It becomes a tofu argument and a path in the checkout: relative, inside the repository.
    if (varFile !== undefined && !REPO_PATH_PATTERN.test(varFile)) throw usage(infraPlan, `--var-file "${varFile}" must be a relative path inside the stack's repository (no "..", no absolute path).`);
    return { stack, varFiles: varFile === undefined ? [] : [varFile] };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack}`,
  async handle({ command, args, deps }) {
    const infra = deps.infra;
    checkStackPaths(stackSource(infra, args.stack, stackNamed(deps.config, args.stack)), args.varFiles);
    // Visibly busy: say so now instead of queueing a job that would only wait.
    const holder = await infra.locks.holder(args.stack);
    if (holder) throw new OpsbotError('E_STACK_LOCKED', `${describeHolder(args.stack, holder)} Try again when it has finished (/infra locks).`);
    const payload: PlanPayload = { stack: args.stack, varFiles: args.varFiles };
    const job = await deps.queues.enqueue('plan', payload, { requester: command.actor, conversation: command.conversation, target: `stack ${args.stack}` });
    return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: plan stack ${args.stack}.` } };
  },
});
