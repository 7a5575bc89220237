import type { HistoryPayload } from '../../jobs/handlers/history.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob, usage } from './spec.js';

export const history = defineCommand({
  name: 'history',
  usage: '/history <app> [env] [n]',
  summary: 'The last n deploys of an app: tag, who, when, commit',
  action: 'history',
  parse(line, deps) {
    expectArgs(history, line, { min: 1, max: 3 });
    const args = [...line.positional];
    const app = args.shift()!;
    // The count may come without the environment: `/history api 5`.
    const last = args[args.length - 1];
    const n = last !== undefined && /^\d+$/.test(last) ? Number(args.pop()) : 10;
    if (!Number.isInteger(n) || n < 1 || n > 50) throw usage(history, `"${n}" is not a number from 1 to 50.`);
    if (args.length > 1) throw usage(history, 'Too many arguments.');
    const target = resolveAppTarget(deps.config, app, args[0], history.usage);
    return { app: target.app, env: target.env, n };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  handle(ctx) {
    const payload: HistoryPayload = { app: ctx.args.app, env: ctx.args.env, n: ctx.args.n };
    return queueJob(ctx, 'history', payload, `${payload.app}@${payload.env}`, `history of ${payload.app} in ${payload.env}`);
  },
});
