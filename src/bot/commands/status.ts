import type { StatusPayload } from '../../jobs/handlers/status.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs } from './spec.js';

export const status = defineCommand({
  name: 'status',
  usage: '/status <app> [env]',
  summary: 'Argo CD sync and health of an app, its last operation and its pods',
  action: 'status',
  parse(line, deps) {
    expectArgs(status, line, { min: 1, max: 2 });
    const [app, env] = line.positional as [string, string | undefined];
    const target = resolveAppTarget(deps.config, app, env, status.usage);
    return { app: target.app, env: target.env };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  async handle({ args, command, deps }) {
    const payload: StatusPayload = { app: args.app, env: args.env };
    const job = await deps.queues.enqueue('status', payload, { requester: command.actor, conversation: command.conversation, target: `${args.app}@${args.env}` });
    return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: status of ${args.app} in ${args.env}.` } };
  },
});
