import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LockInfo } from './errors.js';

/** A `backend "local"` stack's state file and workspace dir, as init's -backend-config set them. */
export interface LocalState {
  path: string;
  workspaceDir?: string;
}

/**
 * How tofu left a local backend's lock: its record (`.terraform.tfstate.lock.info` beside the
 * state) exists while a run holds the lock, and stays behind when a run is killed holding it
 * (the lock itself, a flock, ends with the process). Undefined when there is none; remote
 * backends keep their lock in the backend, out of sight here.
 */
export async function localLockRecord(state: LocalState, workspace: string | undefined, redact: (text: string) => string): Promise<LockInfo | undefined> {
  const file = workspace && workspace !== 'default' && state.workspaceDir ? join(state.workspaceDir, workspace, 'terraform.tfstate') : state.path;
  const record = join(dirname(file), `.${file.split('/').pop()!}.lock.info`);
  try {
    const raw = JSON.parse(await readFile(record, 'utf8')) as Record<string, unknown>;
    const str = (k: string) => (typeof raw[k] === 'string' ? redact(raw[k]) : undefined);
    return { id: str('ID'), operation: str('Operation'), who: str('Who'), created: str('Created'), path: record };
  } catch {
    return undefined;
  }
}
