import type { AppConfig, TagLocation } from '../../core/config/schema.js';
import type { EditResult } from './edit-result.js';
import { checkHelmRef, currentHelmTag, editHelmValues } from './helm-values.js';
import { currentKustomizeTag, editKustomize } from './kustomize.js';
import { currentManifestTag, editManifest } from './manifest.js';

/**
 * One entry point per operation for a configured tag location, so callers (the deploy handler,
 * rollback, /status) never switch on the kind themselves.
 */
export function editTagLocation(text: string, app: Pick<AppConfig, 'image'>, location: TagLocation, ref: string): EditResult {
  switch (location.kind) {
    case 'kustomize':
      return editKustomize(text, { file: location.path, image: app.image, ref });
    case 'helm-values':
      return editHelmValues(text, { file: location.path, key: location.key, ref });
    case 'manifest':
      return editManifest(text, { file: location.path, image: app.image, container: location.container, ref });
  }
}

export function currentTag(text: string, app: Pick<AppConfig, 'image'>, location: TagLocation): string | null {
  switch (location.kind) {
    case 'kustomize':
      return currentKustomizeTag(text, { file: location.path, image: app.image });
    case 'helm-values':
      return currentHelmTag(text, { file: location.path, key: location.key });
    case 'manifest':
      return currentManifestTag(text, { file: location.path, image: app.image, container: location.container });
  }
}

/**
 * Refuses, before anything is queued, a valid reference the location cannot take (E_BAD_TAG): a
 * digest for a Helm tag key, a tag for a digest key. With `pin: digest` a tag becomes its digest first.
 */
export function checkRefFor(location: TagLocation, ref: string): void {
  if (location.kind === 'helm-values' && location.pin !== 'digest') checkHelmRef({ file: location.path, key: location.key }, ref);
}
