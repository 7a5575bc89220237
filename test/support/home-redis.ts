import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The redis-server processes serving one OPSBOT_HOME, found the way an operator would: every
 * process on the machine whose command line is redis-server with that home's redis.conf.
 */
export function redisServersFor(home: string): number[] {
  const conf = join(home, 'redis', 'redis.conf');
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // redis-server replaces its command line with its title, which names the config file.
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.startsWith('redis-server') && cmdline.includes(conf)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The command line of a process, as `ps` shows it to every user. */
export function cmdlineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

/** The embedded Redis's record for a home (port, pids), once it serves. */
export function keeperRecord(home: string): { port: number; redisPid: number; keeperPid: number } {
  return JSON.parse(readFileSync(join(home, 'redis', 'keeper.json'), 'utf8')) as { port: number; redisPid: number; keeperPid: number };
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
