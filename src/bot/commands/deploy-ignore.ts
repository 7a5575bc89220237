import { parseRequestedRef } from '../../gitops/editors/image-ref.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs } from './spec.js';

/**
 * The Ignore button of a registry watch's proposal ("web 1.5.1 is available for staging"): the
 * version is never proposed again either way (the watch remembers what it offered); this says so
 * in chat and leaves an audit entry of who passed on it.
 */
export const deployIgnore = defineCommand<{ app: string; ref: string; env: string }>({
  name: 'deploy ignore',
  usage: '/deploy ignore <app> <tag> <env>',
  summary: 'Pass on a version a registry watch proposed (the Ignore button); it is not proposed again',
  action: 'deploy',
  parse(line, deps) {
    expectArgs(deployIgnore, line, { min: 3, max: 3 });
    const [app, ref, env] = line.positional as [string, string, string];
    parseRequestedRef(ref);
    const target = resolveAppTarget(deps.config, app, env, deployIgnore.usage);
    return { app: target.app, ref, env: target.env };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env} ${a.ref}`,
  async handle({ args, command }) {
    return {
      kind: 'reply',
      message: {
        status: 'info',
        text: `${command.actor.displayName} ignored ${args.app} ${args.ref} for ${args.env}: it is not proposed again. /deploy ${args.app} ${args.ref} ${args.env} still deploys it.`,
      },
    };
  },
});
