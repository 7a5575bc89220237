import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { Termination } from './errors.js';

/**
 * Runs one CLI process with an argument array (never a shell), streams stdout line by line,
 * and implements cancellation the way a terminal's Ctrl-C does: SIGINT to the whole process
 * group (tofu and anything it started, e.g. a local-exec command), so tofu can stop cleanly,
 * write state and release its lock; SIGKILL only if it has not exited after `graceMs`.
 * Under a sandbox, SIGINT goes to the processes inside it instead: bwrap itself has no handler
 * for it, and its death would kill tofu (--die-with-parent) before it could release its lock.
 */

export interface ProcessSpec {
  binary: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  graceMs: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Who gets SIGINT: the process group (default), or the started process's descendants only (a sandbox). */
  interrupt?: 'group' | 'descendants';
}

export interface ProcessOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the process was stopped through the AbortSignal. */
  termination?: Termination;
  /** Set when the process could not be started at all (e.g. ENOENT, EACCES). */
  spawnError?: string;
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const subprocess = execa(spec.binary, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    // Own process group, so that SIGINT/SIGKILL reach tofu's children as well.
    detached: true,
    forceKillAfterDelay: false,
    stripFinalNewline: false,
  });

  let exited = false;
  let termination: Termination | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  subprocess.once('exit', () => {
    exited = true;
  });

  const onAbort = () => {
    if (exited || subprocess.pid === undefined || termination) return;
    termination = 'SIGINT';
    if (spec.interrupt === 'descendants') for (const pid of descendants(subprocess.pid)) signalOne(pid, 'SIGINT');
    else signalGroup(subprocess.pid, 'SIGINT');
    killTimer = setTimeout(() => {
      if (exited || subprocess.pid === undefined) return;
      termination = 'SIGKILL';
      signalGroup(subprocess.pid, 'SIGKILL');
    }, spec.graceMs);
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  if (spec.signal?.aborted) onAbort();

  let lineError: unknown;
  const lines = subprocess.stdout ? createInterface({ input: subprocess.stdout, crlfDelay: Infinity }) : undefined;
  const linesDone = new Promise<void>((resolve) => {
    if (!lines) return resolve();
    lines.on('line', (line) => {
      try {
        spec.onLine?.(line);
      } catch (err) {
        // A failing callback must not leave tofu running unobserved; report it afterwards.
        lineError ??= err;
      }
    });
    lines.once('close', () => resolve());
  });

  const result = await subprocess;
  await linesDone;
  spec.signal?.removeEventListener('abort', onAbort);
  if (killTimer) clearTimeout(killTimer);
  // After a cancel, leave nothing of the group behind (e.g. an orphaned provisioner command).
  if (termination && subprocess.pid !== undefined) signalGroup(subprocess.pid, 'SIGKILL');
  if (lineError !== undefined) throw lineError;

  const spawnCode = typeof result.code === 'string' && result.exitCode === undefined ? result.code : undefined;
  return {
    exitCode: result.exitCode ?? (result.signal ? 128 : 1),
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    termination,
    spawnError: spawnCode,
  };
}

/** Every process below `pid`, from /proc (Linux: where bwrap runs). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(/\s+/).filter(Boolean).map(Number)) found.push(child, ...descendants(child));
  }
  return found;
}

function signalOne(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to stop.
    }
  }
}
