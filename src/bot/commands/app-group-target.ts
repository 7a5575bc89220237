import type { Config } from '../../core/config/schema.js';
import { ownEntry } from '../../core/config/own-entry.js';
import { annotatedRefusal } from '../../core/config/annotated-apps.js';
import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { checkRefFor } from '../../gitops/editors/tag-location.js';
import { resolveAppTarget, type AppTarget } from './app-target.js';

/** Several apps deployed in one commit: a group from `appGroups`, or a comma list of apps. */
export interface GroupTarget {
  /** The group's name; absent for a comma list. */
  group?: string;
  env: string;
  members: AppTarget[];
  /** A member's environment is protected: the group's one commit goes through one pull request. */
  protected: boolean;
}

/** Does `/deploy <what> …` name several apps (a group, or `web,api`)? */
export function namesSeveralApps(config: Config, what: string): boolean {
  return what.includes(',') || ownEntry(config.appGroups, what) !== undefined;
}

/** `/deploy botz …` where groups are configured: the suggestion and the list include them. */
export function unknownAppOrGroup(config: Config, what: string, usageLine: string): OpsbotError | undefined {
  const groups = Object.keys(config.appGroups);
  if (groups.length === 0 || ownEntry(config.apps, what) || annotatedRefusal(config, what)) return undefined;
  const apps = Object.keys(config.apps);
  return new OpsbotError(
    'E_UNKNOWN_APP',
    `Unknown app or group "${what}".${didYouMean(what, [...apps, ...groups])} Known apps: ${apps.join(', ')}; app groups: ${groups.join(', ')}.\nUsage: ${usageLine}`,
  );
}

/**
 * The apps of a group deploy and their common environment, checked as a whole before anything
 * is queued: every member must have the environment and take the reference.
 */
export function resolveGroupTarget(config: Config, what: string, env: string | undefined, ref: string, usageLine: string): GroupTarget {
  const group = what.includes(',') ? undefined : what;
  const apps = group === undefined ? listedApps(config, what, usageLine) : ownEntry(config.appGroups, group)!;
  const label = group ?? apps.join(',');
  const chosen = env ?? commonEnvironment(config, apps);
  if (chosen === undefined) {
    throw new OpsbotError('E_USAGE', `${label}: say which environment (${describeEnvironments(config, apps)}).\nUsage: ${usageLine}`);
  }
  const lacking = apps.filter((a) => !ownEntry(ownEntry(config.apps, a)!.environments, chosen));
  if (lacking.length > 0) {
    throw new OpsbotError(
      'E_UNKNOWN_ENV',
      `${lacking.join(', ')} ${lacking.length > 1 ? 'have' : 'has'} no environment "${chosen}" (${describeEnvironments(config, lacking)}): a group deploy changes every app or none, so nothing was deployed.\nUsage: ${usageLine}`,
    );
  }
  const members = apps.map((a) => resolveAppTarget(config, a, chosen, usageLine));
  for (const m of members) {
    try {
      checkRefFor(m.location, ref);
    } catch (err) {
      if (!isOpsbotError(err)) throw err;
      throw new OpsbotError(err.code, `${m.app}: ${err.userMessage} — a group deploy changes every app or none, so nothing was deployed.`);
    }
  }
  return { ...(group !== undefined ? { group } : {}), env: chosen, members, protected: members.some((m) => m.location.protected) };
}

/** `web,api`: apps only, each once (a group inside a list would hide what is deployed twice). */
function listedApps(config: Config, list: string, usageLine: string): string[] {
  const names = list.split(',');
  if (names.some((n) => n === ''))
    throw new OpsbotError('E_USAGE', `"${list}" has an empty name: list apps as web,api (no spaces).\nUsage: ${usageLine}`);
  const known = Object.keys(config.apps);
  for (const n of names) {
    if (ownEntry(config.apps, n)) continue;
    if (ownEntry(config.appGroups, n))
      throw new OpsbotError(
        'E_USAGE',
        `${n} is an app group: deploy it on its own (/deploy ${n} …), or list its apps (${ownEntry(config.appGroups, n)!.join(',')}).\nUsage: ${usageLine}`,
      );
    throw new OpsbotError(
      'E_UNKNOWN_APP',
      `Unknown app "${n}" in ${list}.${didYouMean(n, known)} Known apps: ${known.join(', ') || 'none configured'}.\nUsage: ${usageLine}`,
    );
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new OpsbotError('E_USAGE', `${twice} is listed twice in ${list}: name each app once.\nUsage: ${usageLine}`);
  return names;
}

/** The environment every member has, when each has only that one. */
function commonEnvironment(config: Config, apps: readonly string[]): string | undefined {
  const envs = new Set(apps.flatMap((a) => Object.keys(ownEntry(config.apps, a)!.environments)));
  return envs.size === 1 ? [...envs][0] : undefined;
}

function describeEnvironments(config: Config, apps: readonly string[]): string {
  return apps.map((a) => `${a}: ${Object.keys(ownEntry(config.apps, a)!.environments).join(', ')}`).join('; ');
}
