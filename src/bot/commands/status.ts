import type { StatusPayload } from '../../jobs/handlers/status.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob } from './spec.js';

export const status = defineCommand({
  name: 'status',
  usage: '/status <app> [env]',
  summary: 'Argo CD sync and health of an app, its last operation and its pods',
  action: 'status',
  answers: ['E_UNKNOWN_APP', 'E_UNKNOWN_ENV'],
  parse(line, deps) {
    expectArgs(status, line, { min: 1, max: 2 });
    const [app, env] = line.positional as [string, string | undefined];
    const target = resolveAppTarget(deps.config, app, env, status.usage);
    return { app: target.app, env: target.env };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  handle(ctx) {
    const payload: StatusPayload = { app: ctx.args.app, env: ctx.args.env };
    return queueJob(ctx, 'status', payload, `${payload.app}@${payload.env}`, `status of ${payload.app} in ${payload.env}`);
  },
});
