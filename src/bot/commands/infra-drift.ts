import { NAME_PATTERN } from '../../core/config/schema.js';
import type { DriftPayload } from '../../jobs/handlers/drift.js';
import { stackNamed } from '../../terraform/infra-services.js';
import { defineCommand, expectArgs, queueJob, usage } from './spec.js';

export const infraDrift = defineCommand({
  name: 'infra drift',
  usage: '/infra drift <stack>',
  summary: 'Check a stack for drift now; its notify destination hears only when drift appears, changes or is gone',
  // A drift check is a plan that is never saved: the right to plan covers it.
  action: 'infra.plan',
  parse(line, deps) {
    expectArgs(infraDrift, line, { min: 1, max: 1 });
    const stack = line.positional[0]!;
    if (!NAME_PATTERN.test(stack)) throw usage(infraDrift, `"${stack}" is not a stack name (lowercase letters, digits and '-').`);
    stackNamed(deps.config, stack);
    return { stack };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack}`,
  handle: (ctx) =>
    queueJob<DriftPayload>(ctx, 'drift', { stack: ctx.args.stack }, `stack ${ctx.args.stack}`, `drift check of stack ${ctx.args.stack}`),
});
