import { spawn } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { TestenvError, info, tail } from './log.js';

/** Absolute path of an executable on PATH (plus the sbin dirs Debian uses), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * Finds `cmd`, installing the Debian package that provides it when absent. CI runs without a
 * terminal, so apt-get runs non-interactively; a stale package list gets one `apt-get update`.
 */
export async function ensureCommand(cmd: string, aptPackage: string): Promise<string> {
  const found = which(cmd);
  if (found) return found;
  const root = process.getuid?.() === 0;
  const sudo = !root && which('sudo') ? ['sudo'] : [];
  if (!root && sudo.length === 0) {
    throw new TestenvError(aptPackage, `${cmd} is not installed and this user cannot run apt-get: install ${aptPackage}`);
  }
  // sudo resets the environment, so the non-interactive frontend is passed through `env`.
  const run = (args: string[]) =>
    execa(sudo.length ? 'sudo' : 'apt-get', [...(sudo.length ? ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'] : []), ...args], {
      stdin: 'ignore',
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      reject: false,
      all: true,
    });
  const install = ['install', '-y', '--no-install-recommends', aptPackage];
  info(`${cmd} not found: apt-get ${install.join(' ')}`);
  let r = await run(install);
  if (r.exitCode !== 0) {
    info('apt-get install failed; running apt-get update and trying again');
    await run(['update']);
    r = await run(install);
  }
  const path = which(cmd);
  if (r.exitCode !== 0 || !path) {
    throw new TestenvError(aptPackage, `\`apt-get ${install.join(' ')}\` failed (exit ${r.exitCode}):\n${tail(r.all ?? '')}`);
  }
  return path;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when `port` can be bound on 127.0.0.1 now (so a restart can keep its old port). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Alive means running, not a zombie: a process this Node process started and killed stays in
 * the table as a zombie until reaped, and `kill(pid, 0)` would still succeed on it.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The process's argv, or [] when it is gone. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The process's working directory, or '' when it is gone or not ours to inspect. */
function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/**
 * Only a process running in, or naming, our state directory is ours: a pid recorded long ago
 * may have been reused by something else, which we must never signal. The working directory
 * counts because redis-server rewrites its argv (its cmdline becomes "redis-server host:port").
 */
export function isOurs(pid: number, marker: string): boolean {
  const cwd = cwdOf(pid);
  return isAlive(pid) && (cwd === marker || cwd.startsWith(`${marker}/`) || cmdline(pid).some((a) => a.includes(`${marker}/`)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    while (isAlive(pid)) await sleep(50);
  }
}

export interface Started {
  pid: number;
  /** Set when the process exited (with its code) while we still watched it. */
  exited: () => number | undefined;
}

/**
 * Starts a long-lived server detached from this process (its own session, output appended to
 * `logFile`, working directory `cwd` inside the state dir), so that it outlives `npm run testenv`
 * and is stopped only by pid.
 */
export function startDetached(cmd: string, args: string[], logFile: string, cwd: string, env?: Record<string, string>): Started {
  const fd = openSync(logFile, 'a');
  // node:child_process rather than execa here: execa types only allow fds 3–9, and its
  // `{file}` targets pipe through this process, so the server would lose its output (and
  // get EPIPE) once `npm run testenv` exits. Still an argument array, never a shell.
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: env ? { ...process.env, ...env } : process.env });
  closeSync(fd);
  let code: number | undefined;
  child.once('exit', (c, signal) => {
    code = c ?? (signal ? 128 : -1);
  });
  child.once('error', () => {
    code = -1;
  });
  child.unref();
  if (child.pid === undefined) throw new TestenvError(cmd, `could not start ${cmd}`);
  return { pid: child.pid, exited: () => code };
}

/**
 * Polls `probe` until it returns true. Fails early when the process exits, pointing at its log.
 */
export async function waitUntil(
  part: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; started?: Started; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const logTail = () => (opts.logFile ? `\n--- last lines of ${opts.logFile}:\n${tail(readFileSync(opts.logFile, 'utf8'))}` : '');
  for (;;) {
    const code = opts.started?.exited();
    if (code !== undefined || (opts.started && !isAlive(opts.started.pid))) {
      throw new TestenvError(part, `exited (code ${code ?? '?'}) before it was ready${logTail()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new TestenvError(part, `not ready after ${opts.timeoutMs / 1000}s${logTail()}`);
    await sleep(200);
  }
}
