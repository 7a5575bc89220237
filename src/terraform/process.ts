import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { Termination } from './errors.js';

/**
 * Runs one CLI process with an argument array (never a shell), streams stdout line by line,
 * and implements cancellation the way a terminal's Ctrl-C does: SIGINT to the whole process
 * group (tofu and anything it started, e.g. a local-exec command), so tofu can stop cleanly,
 * write state and release its lock; SIGKILL only if it has not exited after `graceMs`.
 */

export interface ProcessSpec {
  binary: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  graceMs: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
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
    signalGroup(subprocess.pid, 'SIGINT');
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
