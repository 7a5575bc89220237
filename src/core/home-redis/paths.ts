import { join } from 'node:path';

/**
 * Where the embedded Redis of one OPSBOT_HOME keeps its files. Everything is under
 * `<home>/redis`, a 0700 directory: the data (append-only file), the password, the keeper's
 * record and lock, and one file per opsbot process using it.
 */
export interface HomeRedisPaths {
  home: string;
  /** Redis's `dir`: the append-only file lives here. */
  dir: string;
  /** One file per opsbot process using this Redis (`<pid>.json`). */
  members: string;
  /** The running keeper's record: pid, port, redis-server pid. Present only while it serves. */
  record: string;
  /** The record is renamed to this while the keeper stops: joiners wait instead of joining. */
  stopping: string;
  /** The random password (0600). */
  password: string;
  /** redis.conf written by the keeper (0600; holds the password, so never on a command line). */
  conf: string;
  /** The keeper's exclusive lock (proper-lockfile): one keeper, one redis-server per directory. */
  lock: string;
  keeperLog: string;
  pidfile: string;
}

export function homeRedisPaths(home: string): HomeRedisPaths {
  const dir = join(home, 'redis');
  return {
    home,
    dir,
    members: join(dir, 'members'),
    record: join(dir, 'keeper.json'),
    stopping: join(dir, 'keeper.stopping.json'),
    password: join(dir, 'password'),
    conf: join(dir, 'redis.conf'),
    lock: join(dir, 'keeper.lock'),
    keeperLog: join(dir, 'keeper.log'),
    pidfile: join(dir, 'redis.pid'),
  };
}
