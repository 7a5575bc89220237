import { readFileSync } from 'node:fs';

/**
 * Is a process alive, and is it still the one we recorded? Pids are reused, so on Linux the
 * process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) is recorded
 * with the pid and compared; elsewhere only the pid is checked.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie has exited
    return fields[19];
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  // No /proc (macOS): the pid check above is all there is.
  return now === undefined ? process.platform !== 'linux' : now === startTime;
}

/** The program a pid runs (Linux), to tell a redis-server from a process that reused its pid. */
export function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}
