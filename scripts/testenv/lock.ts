import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestenvError } from './log.js';
import { isAlive } from './proc.js';

/**
 * One `up`/`down`/`restart` at a time per state directory: two concurrent runs would pick
 * different ports and orphan each other's processes. A lock left by a dead run is taken over.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch {
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder && isAlive(holder)) throw new TestenvError('lock', `another testenv run (pid ${holder}) holds ${path}`);
      rmSync(path, { force: true });
    }
  }
  throw new TestenvError('lock', `could not take ${path}`);
}
