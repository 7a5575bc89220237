import type { ConfigLocation } from '../../core/config/schema.js';
import { envPlace } from './config-env.js';
import { literalsPlace } from './config-literals.js';
import { configMapPlace, helmValuesPlace } from './config-map.js';
import type { ConfigPlace } from './config-place.js';

/** The place a configured location names, so callers never switch on the kind themselves. */
export function configPlace(location: ConfigLocation): ConfigPlace {
  switch (location.kind) {
    case 'env':
      return envPlace(location.path, location.container);
    case 'configmap':
      return configMapPlace(location.path, location.name);
    case 'kustomize-literals':
      return literalsPlace(location.path, location.name);
    case 'helm-values':
      return helmValuesPlace(location.path, location.prefix);
  }
}

/** The workload `--restart` annotates, when the location names one. */
export function restartTarget(location: ConfigLocation): { path: string; workload: string } | undefined {
  return location.kind === 'configmap' || location.kind === 'kustomize-literals' ? location.restart : undefined;
}
