import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Write a config file into a fresh temp dir; returns its path. */
export function writeConfig(yamlText: string, name = 'opsbot.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-config-'));
  const file = join(dir, name);
  writeFileSync(file, yamlText);
  return file;
}

export function tempDir(prefix = 'opsbot-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A config in which console:alice is an admin (may /diagnose) and nobody else may change anything. */
export function aliceAdminConfig(): string {
  return writeConfig('access:\n  rules:\n    - subjects: ["console:alice"]\n      actions: [admin]\n');
}
