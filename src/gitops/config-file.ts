import { writeFile } from 'node:fs/promises';
import type { ConfigLocation } from '../core/config/schema.js';
import { configPlace, restartTarget } from './editors/config-location.js';
import { editConfig, type ConfigListing, type ConfigOps, type KeyChange } from './editors/config-place.js';
import { bumpRestartedAt } from './editors/restart-annotation.js';
import { GitopsError } from './errors.js';
import { readTagFile, resolveInside } from './tag-file.js';

/**
 * The file side of a `/config` change: read the configured file(s) from a checkout, edit them,
 * write back what changed. This is what a config job's change request runs as its `edit`.
 */
export interface ConfigChangeResult {
  changed: boolean;
  changes: KeyChange[];
  /** `Deployment/worker` when `--restart` bumped its pod template. */
  restarted?: string;
  /** Whether the change restarts the pods by itself (`chart`: as the Helm chart renders it). */
  rollsPods: boolean | 'chart';
}

export async function editConfigFiles(workdir: string, location: ConfigLocation, ops: ConfigOps, restart?: { stamp: string }): Promise<ConfigChangeResult> {
  const place = configPlace(location);
  const files = new Map<string, string>();
  const read = async (file: string) => files.get(file) ?? (await readTagFile(workdir, file));
  const before = await read(location.path);
  const edited = editConfig(before, place, ops);
  files.set(location.path, edited.text);
  let restarted: string | undefined;
  if (restart) {
    const target = restartTarget(location);
    if (!target) throw new GitopsError('E_UNEDITABLE', `${location.path}: no workload to restart is configured ("restart" under config)`, location.path);
    const bumped = bumpRestartedAt(await read(target.path), target.path, target.workload, restart.stamp);
    files.set(target.path, bumped.text);
    restarted = bumped.workload;
  }
  const changed = edited.changed || restarted !== undefined;
  if (changed) for (const [file, text] of files) await writeFile(resolveInside(workdir, file), text, 'utf8');
  return { changed, changes: edited.changes, ...(restarted ? { restarted } : {}), rollsPods: place.rollsPods(edited.text) };
}

/** The listing of a configured place, from the file's text. */
export function listConfig(text: string, location: ConfigLocation): ConfigListing {
  return configPlace(location).list(text);
}

