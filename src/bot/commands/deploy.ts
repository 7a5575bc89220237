import { parseRequestedRef } from '../../gitops/editors/image-ref.js';
import { checkRefFor } from '../../gitops/editors/tag-location.js';
import type { DeployPayload } from '../../jobs/handlers/deploy.js';
import type { DeployGroupPayload } from '../../jobs/handlers/deploy-group.js';
import { namesSeveralApps, resolveGroupTarget, unknownAppOrGroup } from './app-group-target.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob } from './spec.js';

type DeployArgs =
  | { kind: 'app'; app: string; env: string; ref: string; protected: boolean }
  | { kind: 'group'; group?: string; apps: string[]; env: string; ref: string; protected: boolean };

/** `web@prod`, `bots@prod`, `web,api@prod`: what /jobs and the audit show. */
const targetOf = (a: DeployArgs) => (a.kind === 'app' ? `${a.app}@${a.env}` : `${a.group ?? a.apps.join(',')}@${a.env}`);

export const deploy = defineCommand<DeployArgs>({
  name: 'deploy',
  usage: '/deploy <app|group> <tag> [env]',
  summary: 'Commit a new image tag (or sha256: digest) for an app to the GitOps repository; a group, or app,app,…, in one commit',
  action: 'deploy',
  parse(line, deps) {
    expectArgs(deploy, line, { min: 2, max: 3 });
    const [what, ref, env] = line.positional as [string, string, string | undefined];
    parseRequestedRef(ref); // a clear E_BAD_TAG before anything is queued
    if (namesSeveralApps(deps.config, what)) {
      const t = resolveGroupTarget(deps.config, what, env, ref, deploy.usage);
      return {
        kind: 'group',
        ...(t.group !== undefined ? { group: t.group } : {}),
        apps: t.members.map((m) => m.app),
        env: t.env,
        ref,
        protected: t.protected,
      };
    }
    const unknown = unknownAppOrGroup(deps.config, what, deploy.usage);
    if (unknown) throw unknown;
    const target = resolveAppTarget(deps.config, what, env, deploy.usage);
    checkRefFor(target.location, ref);
    return { kind: 'app', app: target.app, env: target.env, ref, protected: target.location.protected };
  },
  // A group deploy needs `deploy` on every member: the first one refused is named.
  resource: (a) => (a.kind === 'app' ? { app: a.app, environment: a.env } : a.apps.map((app) => ({ app, environment: a.env }))),
  target: targetOf,
  handle(ctx) {
    const { args } = ctx;
    if (args.kind === 'group') {
      const payload: DeployGroupPayload = {
        apps: args.apps,
        env: args.env,
        ref: args.ref,
        ...(args.group !== undefined ? { group: args.group } : {}),
      };
      const what = args.group ? `${args.group} (${args.apps.join(', ')})` : args.apps.join(', ');
      const how = args.protected ? 'in one pull request (protected)' : 'in one commit';
      return queueJob(ctx, 'deploy-group', payload, targetOf(args), `deploy ${what} ${args.ref} to ${args.env} ${how}`);
    }
    const payload: DeployPayload = { verb: 'deploy', app: args.app, env: args.env, ref: args.ref };
    const how = args.protected ? ' (protected: through a pull request)' : '';
    return queueJob(ctx, 'deploy', payload, targetOf(args), `deploy ${args.app} ${args.ref} to ${args.env}${how}`);
  },
});
