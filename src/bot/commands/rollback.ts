import type { DeployPayload } from '../../jobs/handlers/deploy.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs } from './spec.js';

export const rollback = defineCommand({
  name: 'rollback',
  usage: '/rollback <app> [env]',
  summary: 'Go back to the tag before the current one (from the file’s git history)',
  action: 'rollback',
  parse(line, deps) {
    expectArgs(rollback, line, { min: 1, max: 2 });
    const [app, env] = line.positional as [string, string | undefined];
    const target = resolveAppTarget(deps.config, app, env, rollback.usage);
    return { app: target.app, env: target.env };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  async handle({ args, command, deps }) {
    const payload: DeployPayload = { verb: 'rollback', app: args.app, env: args.env };
    const job = await deps.queues.enqueue('deploy', payload, { requester: command.actor, conversation: command.conversation, target: `${args.app}@${args.env}` });
    return { kind: 'queued', jobId: job.id, message: { status: 'progress', text: `Queued as job ${job.id}: roll back ${args.app} in ${args.env}.` } };
  },
});
