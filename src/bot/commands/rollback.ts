import type { DeployPayload } from '../../jobs/handlers/deploy.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob } from './spec.js';

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
  handle(ctx) {
    const payload: DeployPayload = { verb: 'rollback', app: ctx.args.app, env: ctx.args.env };
    return queueJob(ctx, 'deploy', payload, `${payload.app}@${payload.env}`, `roll back ${payload.app} in ${payload.env}`);
  },
});
