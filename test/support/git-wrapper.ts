import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './config.js';

/**
 * A PATH whose `git` is the real one with a pause around `push`: `beforePush` seconds give a
 * test time to push something else first (a race), `afterPush` seconds hold the job right
 * after its commit reached the remote (so a test can kill the worker there).
 */
export function gitWithPausedPush(opts: { beforePush?: number; afterPush?: number }): string {
  const dir = tempDir('opsbot-gitwrap-');
  const script = `#!/bin/sh
is_push=0
for a in "$@"; do [ "$a" = push ] && is_push=1; done
if [ $is_push = 1 ] && [ -n "${opts.beforePush ?? ''}" ]; then touch "${dir}/push-waiting"; sleep ${opts.beforePush ?? 0}; fi
/usr/bin/git "$@"
rc=$?
if [ $is_push = 1 ] && [ $rc = 0 ] && [ -n "${opts.afterPush ?? ''}" ]; then touch "${dir}/pushed"; sleep ${opts.afterPush ?? 0}; fi
exit $rc
`;
  writeFileSync(join(dir, 'git'), script);
  chmodSync(join(dir, 'git'), 0o755);
  return `${dir}:${process.env.PATH ?? ''}`;
}

/** The marker files the wrapper touches, to wait on. */
export function wrapperMarker(path: string, name: 'push-waiting' | 'pushed'): string {
  return join(path.split(':')[0]!, name);
}
