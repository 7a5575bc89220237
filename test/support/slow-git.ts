import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './config.js';

/**
 * A directory to put first on a worker's PATH so that its `git` takes `seconds` before doing
 * the real thing: it holds a job in flight long enough for a test to kill or stop something.
 */
export function slowGitPath(seconds: number): string {
  const dir = tempDir('opsbot-slowgit-');
  const real = '/usr/bin/git';
  writeFileSync(join(dir, 'git'), `#!/bin/sh\nsleep ${seconds}\nexec ${real} "$@"\n`);
  chmodSync(join(dir, 'git'), 0o755);
  return `${dir}:${process.env.PATH ?? ''}`;
}
