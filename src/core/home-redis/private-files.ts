import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded Redis holds queued jobs, audit entries and saved Terraform plans (which carry
 * `TF_VAR_` values), and its password: nothing of it may be readable by other users.
 */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  tighten(path, 0o700);
}

/** Directories 0700, files 0600, under `dir` (files an older opsbot left readable). */
export function tightenTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      tighten(path, 0o700);
      tightenTree(path);
    } else if (entry.isFile()) {
      tighten(path, 0o600);
    }
  }
}

/** Written whole or not at all (temp file + rename), 0600 from the first byte. */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

function tighten(path: string, mode: number): void {
  const st = lstatSync(path);
  // Only what we own can be changed; group/other bits are what matters.
  if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) chmodSync(path, mode);
}
