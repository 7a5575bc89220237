import type { AppConfig, Config, ConfigLocation, GitopsConfig, TagLocation } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';

/** An app environment whose configuration `/config` may read or change, as the job finds it in the config. */
export interface ConfigTarget {
  app: string;
  env: string;
  appConfig: AppConfig;
  location: TagLocation;
  config: ConfigLocation;
  gitops: GitopsConfig;
}

export function configTarget(config: Config, app: string, env: string): ConfigTarget {
  const appConfig = config.apps[app];
  const location = appConfig?.environments[env];
  const gitops = config.gitops;
  if (!appConfig || !location || !gitops) throw new OpsbotError('E_UNKNOWN_APP', `${app}@${env} is no longer in the configuration.`);
  if (!location.config)
    throw new OpsbotError(
      'E_NO_CONFIG',
      `${app}@${env} does not say where its configuration lives ("config" under apps.${app}.environments.${env} in opsbot.yaml).`,
    );
  return { app, env, appConfig, location, config: location.config, gitops };
}
