import { parseRequestedRef } from '../../gitops/editors/image-ref.js';
import type { DeployPayload } from '../../jobs/handlers/deploy.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob } from './spec.js';

export const deploy = defineCommand({
  name: 'deploy',
  usage: '/deploy <app> <tag> [env]',
  summary: 'Commit a new image tag (or sha256: digest) for an app to the GitOps repository',
  action: 'deploy',
  parse(line, deps) {
    expectArgs(deploy, line, { min: 2, max: 3 });
    const [app, ref, env] = line.positional as [string, string, string | undefined];
    const target = resolveAppTarget(deps.config, app, env, deploy.usage);
    parseRequestedRef(ref); // a clear E_BAD_TAG before anything is queued
    return { app: target.app, env: target.env, ref, protected: target.location.protected };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  handle(ctx) {
    const { args } = ctx;
    const payload: DeployPayload = { verb: 'deploy', app: args.app, env: args.env, ref: args.ref };
    const how = args.protected ? ' (protected: through a pull request)' : '';
    return queueJob(ctx, 'deploy', payload, `${args.app}@${args.env}`, `deploy ${args.app} ${args.ref} to ${args.env}${how}`);
  },
});
