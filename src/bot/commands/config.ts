import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import { checkConfigKey, checkConfigValue, splitAssignment } from '../../gitops/config-keys.js';
import { restartTarget } from '../../gitops/editors/config-location.js';
import type { ConfigListPayload } from '../../jobs/handlers/config-list.js';
import type { ConfigPayload } from '../../jobs/handlers/config.js';
import type { ParsedLine } from '../parse.js';
import { resolveAppTarget } from './app-target.js';
import { defineCommand, expectArgs, queueJob, usage } from './spec.js';

interface ConfigArgs {
  app: string;
  env: string;
  /** Nothing to change and no restart: list the keys. */
  list: boolean;
  set: Record<string, string>;
  unset: string[];
  restart: boolean;
  protected: boolean;
}

/** One command changes at most this many keys: one reviewable commit, one readable reply. */
const MAX_KEYS = 20;

const VERBS = new Set(['set', 'unset']);

/**
 * `/config <app> [env]` lists the app's configuration as the GitOps repository holds it;
 * `… set KEY=VALUE …` and `… unset KEY …` change it in one commit, where the environment
 * declares (`config` in opsbot.yaml); `--restart` also restarts the workload when the change
 * alone would not. Every key and value is checked here, before anything is queued.
 */
export const config = defineCommand<ConfigArgs>({
  name: 'config',
  usage: '/config <app> [env] [set KEY=VALUE …] [unset KEY …] [--restart]',
  summary: "List or change an app's configuration (env vars, ConfigMap data, Helm values) in the GitOps repository",
  action: 'config',
  parse(line, deps) {
    expectArgs(config, line, { min: 1, max: 2 + MAX_KEYS + 2, flags: ['restart'], pairs: Object.keys(line.pairs) });
    const [app, maybeEnv] = line.positional as [string, string | undefined];
    const envGiven = maybeEnv !== undefined && !VERBS.has(maybeEnv.toLowerCase()) && !maybeEnv.includes('=');
    const target = resolveAppTarget(deps.config, app, envGiven ? maybeEnv : undefined, config.usage);
    const where = target.location.config;
    if (!where)
      throw new OpsbotError(
        'E_NO_CONFIG',
        `${target.app}@${target.env} does not say where its configuration lives ("config" under apps.${target.app}.environments.${target.env} in opsbot.yaml).\nUsage: ${config.usage}`,
      );
    const ops = changes(line, line.positional.slice(envGiven ? 2 : 1));
    const restart = line.flags.restart !== undefined;
    if (restart && line.flags.restart !== 'true') throw usage(config, '--restart takes no value.');
    if (restart && !restartTarget(where)) {
      const why =
        where.kind === 'env'
          ? "a change to a container's env: restarts its pods by itself"
          : where.kind === 'helm-values'
            ? 'the Helm chart decides what restarts'
            : 'no workload to restart is configured ("restart" under config in opsbot.yaml)';
      throw usage(config, `--restart does not apply to ${target.app}@${target.env}: ${why}.`);
    }
    const list = Object.keys(ops.set).length === 0 && ops.unset.length === 0 && !restart;
    return { app: target.app, env: target.env, list, ...ops, restart, protected: target.location.protected };
  },
  resource: (a) => ({ app: a.app, environment: a.env }),
  target: (a) => `${a.app}@${a.env}`,
  handle(ctx) {
    const { args } = ctx;
    if (args.list) {
      const payload: ConfigListPayload = { app: args.app, env: args.env };
      return queueJob(ctx, 'config-list', payload, `${args.app}@${args.env}`, `configuration of ${args.app} in ${args.env}`);
    }
    const payload: ConfigPayload = { app: args.app, env: args.env, set: args.set, unset: args.unset, restart: args.restart };
    const what = [
      Object.keys(args.set).length ? `set ${Object.keys(args.set).join(', ')}` : '',
      args.unset.length ? `unset ${args.unset.join(', ')}` : '',
      args.restart ? 'restart' : '',
    ]
      .filter(Boolean)
      .join('; ');
    const how = args.protected ? ' (protected: through a pull request)' : '';
    return queueJob(ctx, 'config', payload, `${args.app}@${args.env}`, `${what} in ${args.app}@${args.env}${how}`);
  },
});

/** `set A=1 B=2 unset C`: the words after the app and environment, each key checked. */
function changes(line: ParsedLine, words: string[]): Pick<ConfigArgs, 'set' | 'unset'> {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  let verb: 'set' | 'unset' | undefined;
  let saidSet = false;
  const seen = new Set<string>();
  const add = (key: string, value?: string) => {
    if (seen.has(key)) throw usage(config, `${key} is named twice.`);
    seen.add(key);
    checked(() => {
      checkConfigKey(key);
      if (value !== undefined) checkConfigValue(key, value);
    });
    if (value === undefined) unset.push(key);
    else set[key] = value;
  };
  for (const word of words) {
    if (VERBS.has(word.toLowerCase())) {
      verb = word.toLowerCase() as 'set' | 'unset';
      saidSet ||= verb === 'set';
      continue;
    }
    const assignment = splitAssignment(word);
    if (verb === 'set') {
      if (!assignment) throw usage(config, `set takes KEY=VALUE, not "${word.slice(0, 60)}".`);
      add(assignment.key, assignment.value);
    } else if (verb === 'unset') {
      if (assignment) throw usage(config, `unset takes key names only, not "${assignment.key}=…".`);
      add(word);
    } else {
      throw usage(config, `"${word.slice(0, 60)}" is not an environment of this app, "set" or "unset".`);
    }
  }
  // Lower-case `key=value` words arrive as pairs (parse.ts): they are set too, when `set` was said.
  for (const [key, value] of Object.entries(line.pairs)) {
    if (!saidSet) throw usage(config, `say "set" before ${key}=….`);
    add(key, value);
  }
  if (verb !== undefined && seen.size === 0) throw usage(config, `${verb} needs at least one ${verb === 'set' ? 'KEY=VALUE' : 'KEY'}.`);
  if (seen.size > MAX_KEYS) throw usage(config, `At most ${MAX_KEYS} keys per command.`);
  return { set, unset };
}

/** A refused key or value gets the reason and the usage line, like every other bad argument. */
function checked(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (isOpsbotError(err)) throw new OpsbotError(err.code, `${err.userMessage}\nUsage: ${config.usage}`);
    throw err;
  }
}
