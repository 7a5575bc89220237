import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { hostname } from 'node:os';
import { lock } from 'proper-lockfile';
import { liveMembers } from './members.js';
import type { HomeRedisPaths } from './paths.js';
import { ensurePrivateDir, tightenTree, writePrivateFile } from './private-files.js';
import { processAlive, processCommand, processStartTime } from './processes.js';
import { readPassword, readRecord, type KeeperRecord } from './record.js';

/** How often the keeper looks at the members; a leaving member waits about this long. */
const POLL_MS = 200;
/** Members must be gone this long before Redis stops (a restart of `npm start` rejoins in time). */
const EMPTY_FOR_MS = 600;
/** The lock's mtime is refreshed every 2 s and counts as abandoned after 10 s (proper-lockfile). */
const LOCK_STALE_MS = 10_000;
/** redis-server flushes the append-only file on SIGTERM; this is how long that may take. */
const REDIS_STOP_MS = 10_000;

/**
 * The keeper of one home's embedded Redis: a small detached process (its own session, so a
 * signal to opsbot's process group does not reach it) that holds the directory's exclusive
 * lock, runs `redis-server` as its child, publishes `keeper.json`, and stops Redis cleanly once
 * no member process is alive — also when the last one died by SIGKILL. Two redis-servers never
 * write one directory: a second keeper cannot take the lock and exits.
 */
export class RedisKeeper {
  private child?: ChildProcess;
  private redis?: { pid: number; start?: string; port: number };
  private releaseLock?: () => Promise<void>;
  private stopping = false;
  private emptySince?: number;
  private restarts = 0;

  constructor(
    private readonly paths: HomeRedisPaths,
    private readonly redisBin: string,
    private readonly say: (line: string) => void = (line) => process.stderr.write(`${new Date().toISOString()} keeper ${process.pid}: ${line}\n`),
  ) {}

  /** Runs until Redis is stopped; resolves to the exit code. */
  async run(): Promise<number> {
    process.umask(0o077); // redis-server inherits it: its files are 0600 from the start
    ensurePrivateDir(this.paths.dir);
    try {
      this.releaseLock = await lock(this.paths.dir, {
        lockfilePath: this.paths.lock,
        realpath: false,
        stale: LOCK_STALE_MS,
        update: 2000,
        // A keeper that is stopping holds the lock until its redis-server has exited.
        retries: { retries: 60, factor: 1, minTimeout: 250, maxTimeout: 250 },
        onCompromised: (err) => this.compromised(err),
      });
    } catch (err) {
      this.say(`not serving: ${(err as Error).message}`);
      return 0;
    }
    tightenTree(this.paths.dir);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void this.stop(`${sig} received`));
    try {
      const password = readPassword(this.paths) ?? this.newPassword();
      this.redis = this.adoptOrphan() ?? (await this.startRedis(password, await freeLoopbackPort()));
      this.publish();
      this.say(`serving redis-server pid ${this.redis.pid} on 127.0.0.1:${this.redis.port}`);
    } catch (err) {
      this.say(`could not start redis-server: ${(err as Error).message}`);
      await this.releaseLock?.().catch(() => undefined);
      return 1;
    }
    return this.stopping ? 0 : this.serve();
  }

  /** Every POLL_MS: restart a redis-server that died, stop when the members are gone. */
  private serve(): Promise<number> {
    return new Promise<number>((resolve) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.stopping) return;
        busy = true;
        void this.tick().then((code) => {
          busy = false;
          if (code === undefined) return;
          clearInterval(timer);
          resolve(code);
        });
      }, POLL_MS);
      this.onStopped = () => (clearInterval(timer), resolve(0));
    });
  }

  private onStopped?: () => void;

  private async tick(): Promise<number | undefined> {
    if (!this.redisAlive()) return this.restart();
    return (await this.checkMembers()) ? 0 : undefined;
  }

  /** Stop once the members are gone: unpublish first, look again, so a joiner is never lost. */
  private async checkMembers(): Promise<boolean> {
    if (liveMembers(this.paths, { prune: true }).length > 0) {
      this.emptySince = undefined;
      return false;
    }
    this.emptySince ??= Date.now();
    if (Date.now() - this.emptySince < EMPTY_FOR_MS) return false;
    // A joiner writes its member file, then reads keeper.json; we rename keeper.json away, then
    // read the members. Whichever comes second sees the other.
    renameSync(this.paths.record, this.paths.stopping);
    if (liveMembers(this.paths).length > 0) {
      renameSync(this.paths.stopping, this.paths.record);
      this.emptySince = undefined;
      return false;
    }
    await this.stop('no opsbot process uses it any more');
    return true;
  }

  async stop(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.say(`stopping redis-server: ${why}`);
    if (existsSync(this.paths.record)) renameSync(this.paths.record, this.paths.stopping);
    const pid = this.redis?.pid ?? this.child?.pid;
    if (pid !== undefined) await stopPid(pid, this.child, REDIS_STOP_MS);
    rmSync(this.paths.stopping, { force: true });
    await this.releaseLock?.().catch(() => undefined);
    this.say('stopped');
    this.onStopped?.();
  }

  private newPassword(): string {
    // 32 random bytes: Redis compares the password in constant time; it never leaves this dir.
    const pw = randomBytes(32).toString('hex');
    writeFileSync(this.paths.password, `${pw}\n`, { mode: 0o600, flag: 'wx' });
    return pw;
  }

  /** A redis-server left running by a keeper that was killed: serve it rather than start a second. */
  private adoptOrphan(): { pid: number; start?: string; port: number } | undefined {
    const old = readRecord(this.paths.record) ?? readRecord(this.paths.stopping);
    if (!old || old.host !== hostname() || !processAlive(old.redisPid, old.redisStart)) return undefined;
    const cmd = processCommand(old.redisPid);
    if (cmd !== undefined && !cmd.includes('redis-server')) return undefined;
    this.say(`adopting redis-server pid ${old.redisPid} left by keeper ${old.keeperPid}`);
    return { pid: old.redisPid, start: old.redisStart, port: old.port };
  }

  private async startRedis(password: string, port: number): Promise<{ pid: number; start?: string; port: number }> {
    // Everything in a 0600 file: a password on the command line is visible in `ps` to every user.
    const q = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
    const conf = [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `dir ${q(this.paths.dir)}`,
      'appendonly yes',
      // Every accepted command is on disk before the user hears "queued".
      'appendfsync always',
      'save ""',
      'maxmemory-policy noeviction',
      `pidfile ${q(this.paths.pidfile)}`,
      `requirepass ${q(password)}`,
      // `ps` shows which home a redis-server serves (its title replaces the command line).
      'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"',
    ];
    writePrivateFile(this.paths.conf, `${conf.join('\n')}\n`);
    const child = spawn(this.redisBin, [this.paths.conf], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    await waitListening(child, port);
    return { pid: child.pid!, start: processStartTime(child.pid!), port };
  }

  private publish(): void {
    const r = this.redis!;
    const record: KeeperRecord = {
      keeperPid: process.pid,
      keeperStart: processStartTime(process.pid),
      redisPid: r.pid,
      redisStart: r.start,
      port: r.port,
      host: hostname(),
      dir: this.paths.dir,
      since: new Date().toISOString(),
    };
    writePrivateFile(this.paths.record, `${JSON.stringify(record)}\n`);
    rmSync(this.paths.stopping, { force: true });
  }

  private redisAlive(): boolean {
    if (!this.redis) return false;
    if (this.child) return this.child.exitCode === null && this.child.signalCode === null;
    return processAlive(this.redis.pid, this.redis.start);
  }

  /** redis-server died under us: start it again on the same port (members reconnect there). */
  private async restart(): Promise<number | undefined> {
    const { pid, port } = this.redis!;
    this.say(`redis-server pid ${pid} exited unexpectedly`);
    try {
      if (++this.restarts > 3) throw new Error('it exited more than 3 times');
      this.redis = await this.startRedis(readPassword(this.paths)!, port);
      this.publish();
      this.say(`restarted redis-server pid ${this.redis.pid} on 127.0.0.1:${port}`);
      return undefined;
    } catch (err) {
      this.say(`giving up: ${(err as Error).message}`);
      this.stopping = true;
      rmSync(this.paths.record, { force: true });
      await this.releaseLock?.().catch(() => undefined);
      return 1;
    }
  }

  /**
   * The lock's mtime could not be refreshed in time (the machine slept, or the keeper was
   * stopped). If nobody else took it, carry on with a new lock; otherwise another keeper may be
   * starting on this directory, so ours must stop writing at once.
   */
  private compromised(err: Error): void {
    this.say(`lock compromised: ${err.message}`);
    void lock(this.paths.dir, {
      lockfilePath: this.paths.lock,
      realpath: false,
      stale: LOCK_STALE_MS,
      update: 2000,
      onCompromised: (e) => this.compromised(e),
    })
      .then((release) => {
        this.releaseLock = release;
        this.say('lock taken again');
      })
      .catch(() => void this.stop('another keeper holds the lock'));
  }
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitListening(proc: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited at start (code ${proc.exitCode}); see redis/keeper.log`);
    if (await tcpOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`redis-server did not start listening on 127.0.0.1:${port} within 10 s`);
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
    s.connect(port, '127.0.0.1');
  });
}

/** SIGTERM (redis-server flushes its append-only file and exits), SIGKILL after `ms`. */
async function stopPid(pid: number, child: ChildProcess | undefined, ms: number): Promise<void> {
  const start = processStartTime(pid);
  const gone = () => (child ? child.exitCode !== null || child.signalCode !== null : !processAlive(pid, start));
  if (gone()) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!gone()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
