import type { AppConfig, Config, TagLocation } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { ownEntry } from '../../core/config/own-entry.js';
import { annotatedRefusal } from '../../core/config/annotated-apps.js';

export interface AppTarget {
  app: string;
  env: string;
  appConfig: AppConfig;
  location: TagLocation;
}

/**
 * An app and one of its environments, from what the user typed. The environment may be left
 * out when the app has only one. Errors list the known names, so the next try is right.
 */
export function resolveAppTarget(config: Config, app: string, env: string | undefined, usageLine: string): AppTarget {
  const appConfig = ownEntry(config.apps, app);
  if (!appConfig) {
    const refused = annotatedRefusal(config, app);
    if (refused) throw new OpsbotError('E_NOT_DEPLOYABLE', `Not deployable through opsbot: ${refused}.`);
    const known = Object.keys(config.apps);
    throw new OpsbotError(
      'E_UNKNOWN_APP',
      `Unknown app "${app}".${didYouMean(app, known)} Known apps: ${known.join(', ') || 'none configured'}.\nUsage: ${usageLine}`,
    );
  }
  const envs = Object.keys(appConfig.environments);
  const chosen = env ?? (envs.length === 1 ? envs[0] : undefined);
  if (chosen === undefined) {
    throw new OpsbotError('E_USAGE', `${app} has several environments (${envs.join(', ')}): say which.\nUsage: ${usageLine}`);
  }
  const location = ownEntry(appConfig.environments, chosen);
  if (!location) {
    throw new OpsbotError(
      'E_UNKNOWN_ENV',
      `${app} has no environment "${chosen}".${didYouMean(chosen, envs)} Its environments: ${envs.join(', ')}.\nUsage: ${usageLine}`,
    );
  }
  return { app, env: chosen, appConfig, location };
}
