import { parseRequestedRef } from '../../gitops/editors/image-ref.js';
import type { DeployPayload } from '../../jobs/handlers/deploy.js';
import { resolveAppTarget } from './app-target.js';
import { ownEntry } from '../../core/config/own-entry.js';
import { defineCommand, expectArgs, queueJob, usage } from './spec.js';

export const rollback = defineCommand({
  name: 'rollback',
  usage: '/rollback <app> [env] [--to <tag>]',
  summary: 'Back to the version before the last deploy (never one rolled back from), or --to one from /history',
  action: 'rollback',
  parse(line, deps) {
    expectArgs(rollback, line, { min: 1, max: 2, flags: ['to'] });
    const [app, env] = line.positional as [string, string | undefined];
    const members = ownEntry(deps.config.appGroups, app);
    // A group deploy is one commit, but each app's history is its own: rollbacks go app by app.
    if (members)
      throw usage(
        rollback,
        `${app} is an app group: roll back each app (/rollback ${members[0]} ${env ?? '<env>'}), or deploy the group at the earlier tag (/deploy ${app} <tag> ${env ?? '<env>'}).`,
      );
    const target = resolveAppTarget(deps.config, app, env, rollback.usage);
    const to = line.flags.to;
    if (to !== undefined) parseRequestedRef(to); // a clear E_BAD_TAG before anything is queued
    return { app: target.app, env: target.env, to };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  handle(ctx) {
    const { app, env, to } = ctx.args;
    const payload: DeployPayload = { verb: 'rollback', app, env, ...(to ? { ref: to } : {}) };
    return queueJob(ctx, 'deploy', payload, `${app}@${env}`, `roll back ${app} in ${env}${to ? ` to ${to}` : ''}`);
  },
});
