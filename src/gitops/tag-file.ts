import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig, TagLocation } from '../core/config/schema.js';
import type { EditResult } from './editors/edit-result.js';
import { editTagLocation } from './editors/tag-location.js';
import { GitopsError } from './errors.js';

/**
 * The file side of an edit: read the configured file from a checkout, edit it, write it back.
 * This is what a deploy's change request runs as its `edit` (see jobs/handlers/deploy.ts).
 */
export function resolveInside(workdir: string, file: string): string {
  const full = path.resolve(workdir, file);
  if (!full.startsWith(path.resolve(workdir) + path.sep)) {
    throw new GitopsError('E_BAD_NAME', `${file}: path leaves the repository`, file);
  }
  return full;
}

export async function readTagFile(workdir: string, file: string): Promise<string> {
  try {
    return await readFile(resolveInside(workdir, file), 'utf8');
  } catch (err) {
    if (err instanceof GitopsError) throw err;
    throw new GitopsError('E_FILE_MISSING', `${file}: not in the GitOps repository (check "path" in the config)`, file);
  }
}

export async function editTagFile(workdir: string, app: Pick<AppConfig, 'image'>, location: TagLocation, ref: string): Promise<EditResult> {
  const text = await readTagFile(workdir, location.path);
  const result = editTagLocation(text, app, location, ref);
  if (result.changed) await writeFile(resolveInside(workdir, location.path), result.text, 'utf8');
  return result;
}
