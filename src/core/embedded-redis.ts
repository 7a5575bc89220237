import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { OpsbotError } from './errors.js';
import { liveMembers, removeMember, writeMember, type Member } from './home-redis/members.js';
import { homeRedisPaths, type HomeRedisPaths } from './home-redis/paths.js';
import { ensurePrivateDir } from './home-redis/private-files.js';
import { processAlive } from './home-redis/processes.js';
import { readPassword, readRecord, type KeeperRecord } from './home-redis/record.js';

/**
 * The embedded default: one `redis-server` per OPSBOT_HOME, shared by every opsbot process on
 * that home (`npm start`, `opsbot console --as bob`, each `--exec`). The first process starts a
 * keeper (home-redis/keeper.ts) that owns the server; later ones join it. It stops after the
 * last member has left, or with `opsbot redis stop`.
 */
export interface EmbeddedRedis {
  /** `redis://:<password>@127.0.0.1:<port>` — log it with safeUrl. */
  url: string;
  port: number;
  /** Does another live member run job workers? (Then a console needs none of its own.) */
  othersRunWorkers(): boolean;
  /** Tell the others whether this process runs workers. */
  setWorkers(workers: boolean): void;
  /**
   * Leave. If this was the last member, wait (up to `waitMs`) for the keeper to stop Redis, so
   * that a script's next command finds it stopped rather than stopping.
   */
  leave(waitMs: number): Promise<void>;
}

/** How long a joiner waits for a keeper (one replacing a killed keeper waits out its lock, 10 s). */
const JOIN_TIMEOUT_MS = 30_000;

export async function findRedisServer(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidate = env.REDIS_SERVER_BIN ?? 'redis-server';
  try {
    await execa(candidate, ['--version'], { timeout: 5000 });
    return candidate;
  } catch {
    return undefined;
  }
}

export function noRedisError(): OpsbotError {
  return new OpsbotError(
    'E_NO_REDIS',
    'opsbot needs Redis: no REDIS_URL is set and no redis-server is on PATH.\n' +
      '  Either install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)\n' +
      '  or point opsbot at a running one: REDIS_URL=redis://host:6379',
  );
}

export async function joinEmbeddedRedis(home: string, opts: { command: string; env?: NodeJS.ProcessEnv }): Promise<EmbeddedRedis> {
  const paths = homeRedisPaths(home);
  ensurePrivateDir(home);
  ensurePrivateDir(paths.dir);
  ensurePrivateDir(paths.members);
  // Register first, then look for the keeper (the keeper does the reverse before stopping).
  let me: Member = writeMember(paths, { command: opts.command, workers: false });
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  let spawnedAt = 0;
  try {
    for (;;) {
      const record = readRecord(paths.record);
      if (record && keeperAlive(record)) {
        if (record.host !== hostname())
          throw new OpsbotError(
            'E_NO_REDIS',
            `${home} is served by an opsbot Redis on host ${record.host}; use an OPSBOT_HOME of this machine, or REDIS_URL.`,
          );
        const password = readPassword(paths);
        if (!password)
          throw new OpsbotError(
            'E_NO_REDIS',
            `${paths.password} is missing or empty; stop every opsbot on this home (opsbot redis stop) and start again.`,
          );
        return handle(
          paths,
          record,
          password,
          () => me,
          (m) => (me = m),
        );
      }
      const stopping = readRecord(paths.stopping);
      // No keeper serving or stopping (or a dead one's record): start one. A second keeper
      // started at the same moment cannot take the lock and exits; we keep looking.
      if (!(stopping && keeperAlive(stopping)) && Date.now() - spawnedAt > 3000) {
        await spawnKeeper(paths, opts.env ?? process.env);
        spawnedAt = Date.now();
      }
      if (Date.now() > deadline)
        throw new OpsbotError(
          'E_NO_REDIS',
          `the embedded redis-server of ${home} did not start within ${JOIN_TIMEOUT_MS / 1000} s:\n${logTail(paths.keeperLog)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    removeMember(paths);
    throw err;
  }
}

function handle(paths: HomeRedisPaths, record: KeeperRecord, password: string, me: () => Member, update: (m: Member) => void): EmbeddedRedis {
  return {
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${record.port}`,
    port: record.port,
    othersRunWorkers: () => liveMembers(paths).some((m) => m.pid !== process.pid && m.workers),
    setWorkers: (workers) => update(writeMember(paths, { ...me(), workers })),
    async leave(waitMs) {
      removeMember(paths);
      if (liveMembers(paths).length > 0) return;
      const until = Date.now() + waitMs;
      while (Date.now() < until && [paths.record, paths.stopping].some((f) => existsSync(f)) && keeperAlive(record)) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

function keeperAlive(r: KeeperRecord): boolean {
  return r.host !== hostname() || processAlive(r.keeperPid, r.keeperStart);
}

/**
 * The keeper runs detached — its own session and process group — so SIGTERM to opsbot's
 * group (systemd, `kill -- -<pgid>`, Ctrl-C in the terminal) does not stop Redis before the
 * drain; it gets no secrets from opsbot's environment, only PATH.
 */
async function spawnKeeper(paths: HomeRedisPaths, env: NodeJS.ProcessEnv): Promise<void> {
  const bin = await findRedisServer(env);
  if (!bin) throw noRedisError();
  const script = fileURLToPath(new URL(`./home-redis/keeper-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  // Running from source (tests): the keeper is TypeScript too.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const log = openSync(paths.keeperLog, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...loader, script, paths.home, bin], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: paths.dir,
      env: { PATH: env.PATH ?? '', ...(env.LANG ? { LANG: env.LANG } : {}) },
    });
    child.unref();
  } finally {
    closeSync(log);
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(-5)
      .map((l) => `  ${l}`)
      .join('\n');
  } catch {
    return '  (no keeper log)';
  }
}

/** For `opsbot redis status`. */
export function embeddedRedisStatus(home: string): { paths: HomeRedisPaths; record?: KeeperRecord; stopping: boolean; members: Member[] } {
  const paths = homeRedisPaths(home);
  const record = readRecord(paths.record);
  const stopping = readRecord(paths.stopping);
  return {
    paths,
    record: record && keeperAlive(record) ? record : undefined,
    stopping: Boolean(stopping && keeperAlive(stopping)),
    members: liveMembers(paths),
  };
}

/** For `opsbot redis stop`: ask the keeper to stop Redis now; resolves when it has. */
export async function stopEmbeddedRedis(home: string, waitMs = 15_000): Promise<boolean> {
  const { record } = embeddedRedisStatus(home);
  if (!record) return false;
  process.kill(record.keeperPid, 'SIGTERM');
  const until = Date.now() + waitMs;
  while (Date.now() < until && processAlive(record.keeperPid, record.keeperStart)) await new Promise((r) => setTimeout(r, 50));
  return !processAlive(record.keeperPid, record.keeperStart);
}
