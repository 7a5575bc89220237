import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OPSBOT_BIN = join(ROOT, 'bin/opsbot.js');

/** The environment opsbot children get: the caller's, minus anything that would point them elsewhere. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['REDIS_URL', 'OPSBOT_CONFIG', 'SLACK_BOT_TOKEN', 'TELEGRAM_BOT_TOKEN', 'GITHUB_TOKEN', 'KUBECONFIG', 'PORT']) delete env[k];
  env.LOG_LEVEL = env.OPSBOT_TEST_LOG_LEVEL ?? 'warn';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the opsbot CLI to completion (bounded). */
export function runOpsbot(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [OPSBOT_BIN, ...args], {
      env: opts.env ?? baseEnv(),
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`opsbot ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A long-running opsbot process (worker, bot, interactive console) whose output a test watches. */
export class OpsbotProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  /** `detached`: its own process group (as a shell starts a job), so a test can signal the group. */
  constructor(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; detached?: boolean } = {}) {
    this.child = spawn(process.execPath, [OPSBOT_BIN, ...args], {
      env: opts.env ?? baseEnv(),
      cwd: opts.cwd ?? ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: opts.detached,
    });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Wait until stdout (or stderr) matches; bounded. */
  async waitFor(pattern: RegExp, opts: { timeoutMs?: number; stream?: 'stdout' | 'stderr'; from?: number } = {}): Promise<RegExpMatchArray> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    for (;;) {
      const text = (opts.stream === 'stderr' ? this.stderr : this.stdout).slice(opts.from ?? 0);
      const m = text.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (this.child.exitCode !== null)
        throw new Error(`process exited (${this.child.exitCode}) before ${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
