import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HomeRedisPaths } from './paths.js';
import { processAlive, processStartTime } from './processes.js';
import { writePrivateFile } from './private-files.js';

/**
 * The opsbot processes using one home's Redis: a file each, `<pid>.json`, written before the
 * process looks for the keeper and removed when it leaves. A member killed with SIGKILL leaves
 * its file behind; it no longer counts because its pid (and start time) is no longer alive.
 */
export interface Member {
  pid: number;
  /** /proc start time, so a reused pid is not taken for the member. */
  start?: string;
  /** `start`, `console --as bob`, `console --exec` … for `opsbot redis status`. */
  command: string;
  /** Runs job workers (a console joining a home where workers run needs none of its own). */
  workers: boolean;
  since: string;
}

export function memberFile(paths: HomeRedisPaths, pid: number): string {
  return join(paths.members, `${pid}.json`);
}

export function writeMember(paths: HomeRedisPaths, m: Omit<Member, 'pid' | 'start' | 'since'> & Partial<Member>): Member {
  const member: Member = { pid: process.pid, start: processStartTime(process.pid), since: new Date().toISOString(), ...m };
  writePrivateFile(memberFile(paths, member.pid), `${JSON.stringify(member)}\n`);
  return member;
}

export function removeMember(paths: HomeRedisPaths, pid = process.pid): void {
  rmSync(memberFile(paths, pid), { force: true });
}

/** Members whose process is alive; with `prune`, the files of dead ones are removed. */
export function liveMembers(paths: HomeRedisPaths, opts: { prune?: boolean } = {}): Member[] {
  let names: string[];
  try {
    names = readdirSync(paths.members);
  } catch {
    return [];
  }
  const live: Member[] = [];
  for (const name of names) {
    if (!/^\d+\.json$/.test(name)) continue;
    const file = join(paths.members, name);
    let m: Member | undefined;
    try {
      m = JSON.parse(readFileSync(file, 'utf8')) as Member;
    } catch {
      // Being written (rename makes that rare) or damaged: judge by the pid in its name.
      const pid = Number(name.slice(0, -5));
      if (processAlive(pid)) live.push({ pid, command: '?', workers: false, since: '' });
      continue;
    }
    if (processAlive(m.pid, m.start)) live.push(m);
    else if (opts.prune) rmSync(file, { force: true });
  }
  return live;
}
