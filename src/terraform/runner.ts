import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TerraformError, type Diagnostic } from './errors.js';
import { runProcess, type ProcessOutcome } from './process.js';
import { redactDeep, redactorFor } from './redact.js';
import { bwrapArgs, checkSandbox } from './sandbox.js';
import { localLockRecord, type LocalState } from './lock-record.js';
import { LOCK_ID_PATTERN } from './state-lock.js';
import { diagnosticsOf, parseLockInfo, parseUiLine, type UiEvent } from './ui-events.js';
import type { Redactor } from '../core/redact.js';

/**
 * Runs `tofu`/`terraform` for opsbot. Every call gets a minimal environment (PATH, a private
 * HOME, TF_IN_AUTOMATION, TF_INPUT=0, our own TF_CLI_CONFIG_FILE and only the variables named
 * in `passEnv`) — never the worker's own — and every event or text it returns has the values of
 * those variables removed. With `sandbox`, it runs under bubblewrap (see sandbox.ts) and sees
 * only the directories named there, its private HOME and its binary.
 */

export interface TerraformRunnerOptions {
  /** Binary path or name; default $TF_BINARY, else ~/.cache/opsbot/bin/tofu-v1.12.6. */
  binary?: string;
  /** Names of variables passed through from `sourceEnv` (TF_VAR_*, ARM_*): their values are secrets. */
  passEnv?: readonly string[];
  sourceEnv?: NodeJS.ProcessEnv;
  /** Time between SIGINT and SIGKILL when cancelled (default 20 s). */
  graceMs?: number;
  /** Contents of the CLI configuration file (e.g. provider_installation); empty by default. */
  cliConfig?: string;
  /**
   * Run in the bubblewrap sandbox, able to write only `writable` (plus its private HOME) and to
   * read, besides the system's files, only `readable` (a stack's `sandbox.readOnlyPaths`).
   * `false`: unsandboxed (the stack's code can read whatever the worker's user can). A sandbox
   * this machine cannot run is an error (E_TF_SANDBOX), never a silent fallback.
   */
  sandbox: false | { writable: readonly string[]; readable?: readonly string[] };
}

export type EventHandler = (event: UiEvent) => void;

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PlanOptions extends CallOptions {
  /** Where the saved plan is written (relative to `dir`). */
  out: string;
  varFiles?: readonly string[];
  lockTimeoutMs?: number;
  /** Selected through TF_WORKSPACE; the workspace must exist. */
  workspace?: string;
  onEvent?: EventHandler;
}

export interface PlanResult {
  /** -detailed-exitcode: 0 no changes, 2 changes present. */
  exitCode: 0 | 2;
  hasChanges: boolean;
  planFile: string;
  events: UiEvent[];
  diagnostics: Diagnostic[];
}

export interface ApplyResult {
  exitCode: 0;
  events: UiEvent[];
  diagnostics: Diagnostic[];
}

export interface TextResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class TerraformRunner {
  readonly binary: string;
  private readonly passEnv: readonly string[];
  private readonly sourceEnv: NodeJS.ProcessEnv;
  private readonly graceMs: number;
  private readonly cliConfig: string;
  private readonly redactor: Redactor;
  private readonly sandbox: TerraformRunnerOptions['sandbox'];
  private home?: Promise<string>;
  /** A `backend "local"` stack's state file and workspace dir (from init's -backend-config). */
  private localState?: LocalState;

  constructor(options: TerraformRunnerOptions = { sandbox: false }) {
    this.sourceEnv = options.sourceEnv ?? process.env;
    this.binary = options.binary ?? defaultBinary(this.sourceEnv);
    this.passEnv = options.passEnv ?? [];
    for (const name of this.passEnv) {
      if (!ENV_NAME.test(name)) throw new TerraformError('E_TF_BAD_INPUT', `not an environment variable name: ${name}`);
    }
    this.graceMs = options.graceMs ?? 20_000;
    this.cliConfig = options.cliConfig ?? '';
    this.sandbox = options.sandbox;
    this.redactor = redactorFor(this.passEnv.flatMap((n) => this.sourceEnv[n] ?? []));
  }

  /** Removes passed-through secret values from any text (for callers' own messages). */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  async init(dir: string, options: CallOptions & { backendConfig?: readonly string[] } = {}): Promise<TextResult> {
    const args = ['init', '-input=false', '-no-color', ...(options.backendConfig ?? []).map((c) => `-backend-config=${checkArg(c)}`)];
    const setting = (key: string) => options.backendConfig?.find((c) => c.startsWith(`${key}=`))?.slice(key.length + 1);
    const path = setting('path');
    if (path) this.localState = { path, workspaceDir: setting('workspace_dir') };
    const outcome = await this.run(dir, args, options.signal);
    if (outcome.exitCode !== 0) throw await this.failure('init', outcome, []);
    return this.text(outcome);
  }

  /** Creates the workspace if it does not exist (plan/apply then select it via TF_WORKSPACE). */
  async ensureWorkspace(dir: string, workspace: string, options: CallOptions = {}): Promise<void> {
    workspaceEnv(workspace);
    const outcome = await this.run(dir, ['workspace', 'select', '-or-create=true', '-no-color', workspace], options.signal);
    if (outcome.exitCode !== 0) throw await this.failure('workspace select', outcome, []);
  }

  async plan(dir: string, options: PlanOptions): Promise<PlanResult> {
    const env = workspaceEnv(options.workspace);
    const args = ['plan', '-input=false', '-json', '-detailed-exitcode', `-out=${checkArg(options.out)}`];
    for (const file of options.varFiles ?? []) args.push(`-var-file=${checkArg(file)}`);
    if (options.lockTimeoutMs !== undefined) args.push(lockTimeout(options.lockTimeoutMs));
    const events: UiEvent[] = [];
    const outcome = await this.run(dir, args, options.signal, this.collect(events, options.onEvent), env);
    if (outcome.exitCode !== 0 && outcome.exitCode !== 2) throw await this.failure('plan', outcome, events, options.workspace);
    const exitCode = outcome.exitCode === 2 ? 2 : 0;
    const planFile = isAbsolute(options.out) ? options.out : resolve(dir, options.out);
    return { exitCode, hasChanges: exitCode === 2, planFile, events, diagnostics: diagnosticsOf(events) };
  }

  /** `show -json` of a saved plan, parsed, with passed-through secret values removed. */
  async show(planFile: string, options: CallOptions & { dir?: string } = {}): Promise<unknown> {
    const outcome = await this.run(options.dir ?? dirname(planFile), ['show', '-json', '-no-color', checkArg(planFile)], options.signal);
    if (outcome.exitCode !== 0) throw await this.failure('show', outcome, []);
    try {
      return redactDeep(JSON.parse(outcome.stdout) as unknown, this.redactor);
    } catch (err) {
      throw new TerraformError('E_TF_BAD_OUTPUT', 'show -json did not print JSON', { cause: err });
    }
  }

  /** `show -no-color` of a saved plan: the full plain-text plan (tofu masks sensitive values), secrets removed. */
  async showText(planFile: string, options: CallOptions & { dir?: string } = {}): Promise<string> {
    const outcome = await this.run(options.dir ?? dirname(planFile), ['show', '-no-color', checkArg(planFile)], options.signal);
    if (outcome.exitCode !== 0) throw await this.failure('show', outcome, []);
    return this.redact(outcome.stdout);
  }

  /** Applies exactly the saved plan; a plan made before the state last changed is refused (E_PLAN_STALE). */
  async apply(
    dir: string,
    planFile: string,
    onEvent?: EventHandler,
    options: CallOptions & { lockTimeoutMs?: number; workspace?: string } = {},
  ): Promise<ApplyResult> {
    const env = workspaceEnv(options.workspace);
    const args = ['apply', '-input=false', '-json'];
    if (options.lockTimeoutMs !== undefined) args.push(lockTimeout(options.lockTimeoutMs));
    args.push(checkArg(planFile));
    const events: UiEvent[] = [];
    const outcome = await this.run(dir, args, options.signal, this.collect(events, onEvent), env);
    if (outcome.exitCode !== 0) throw await this.failure('apply', outcome, events, options.workspace);
    return { exitCode: 0, events, diagnostics: diagnosticsOf(events) };
  }

  /**
   * `force-unlock -force <id>`: removes the state lock `lockId` of the workspace's state, whoever
   * holds it. The id must look like a lock id (LOCK_ID_PATTERN); anything else never reaches the CLI.
   */
  async forceUnlock(dir: string, lockId: string, options: CallOptions & { workspace?: string } = {}): Promise<TextResult> {
    if (!LOCK_ID_PATTERN.test(lockId)) throw new TerraformError('E_TF_BAD_INPUT', `not a lock id: ${JSON.stringify(lockId.slice(0, 80))}`);
    const env = workspaceEnv(options.workspace);
    const outcome = await this.run(dir, ['force-unlock', '-no-color', '-force', lockId], options.signal, undefined, env);
    if (outcome.exitCode === 0) return this.text(outcome);
    if (outcome.termination) throw await this.failure('force-unlock', outcome, [], options.workspace);
    // Its refusal is one error and, from most backends, the held lock's Lock Info: both are kept.
    const said = this.redact(outcome.stderr.trim() || outcome.stdout.trim());
    const at = said.indexOf('Error: ');
    const lines = (at < 0 ? said : said.slice(at + 'Error: '.length)).split('\n').filter((l) => !/^\s*([A-Za-z]+:)?\s*$/.test(l)); // blank lines, empty Lock Info fields
    throw new TerraformError('E_TF_FAILED', `${this.cli} force-unlock failed (exit ${outcome.exitCode}): ${lines.slice(0, 12).join('\n')}`, { exitCode: outcome.exitCode, cli: this.cli });
  }

  /** Deletes the private HOME (and CLI config). */
  async dispose(): Promise<void> {
    const home = this.home;
    this.home = undefined;
    if (home) await rm(await home, { recursive: true, force: true });
  }

  private collect(events: UiEvent[], onEvent?: EventHandler): (line: string) => void {
    return (line) => {
      const event = parseUiLine(line);
      if (!event) return;
      const safe = redactDeep(event, this.redactor);
      events.push(safe);
      onEvent?.(safe);
    };
  }

  private async run(dir: string, args: string[], signal?: AbortSignal, onLine?: (line: string) => void, extraEnv: Record<string, string> = {}): Promise<ProcessOutcome> {
    if (signal?.aborted) throw new TerraformError('E_TF_CANCELLED', `${this.cli} ${args[0]} cancelled before it started`, { cli: this.cli });
    if (this.binary.includes('/')) {
      try {
        await access(this.binary, constants.X_OK);
      } catch {
        throw new TerraformError('E_TF_MISSING', `Terraform/OpenTofu binary not found or not executable: ${this.binary}`);
      }
    }
    const env = { ...(await this.baseEnv()), ...extraEnv };
    const spec = { binary: this.binary, args, cwd: dir, env, graceMs: this.graceMs, signal, onLine };
    const outcome = await runProcess(this.sandbox ? await this.sandboxed(spec, this.sandbox) : spec);
    if (outcome.spawnError === 'ENOENT' || outcome.spawnError === 'EACCES') {
      throw new TerraformError('E_TF_MISSING', `Terraform/OpenTofu binary not found: ${this.binary} (set TF_BINARY)`);
    }
    return outcome;
  }

  /** The same call, through bwrap: tofu sees the work dir, its state, its HOME, its binary and the stack's read-only paths. */
  private async sandboxed<S extends { binary: string; args: readonly string[]; cwd: string }>(
    spec: S,
    sandbox: { writable: readonly string[]; readable?: readonly string[] },
  ): Promise<S & { interrupt: 'descendants' }> {
    const check = await checkSandbox(this.sourceEnv);
    if (!check.ok) {
      throw new TerraformError('E_TF_SANDBOX', `Terraform's sandbox cannot run on this worker: ${check.reason}. Install bubblewrap and allow user namespaces, or set terraform.sandbox: false in opsbot.yaml to run stack code unsandboxed.`);
    }
    const home = await this.home!;
    const args = [...bwrapArgs({ writable: [...sandbox.writable, home], readable: [spec.binary, ...(sandbox.readable ?? [])] }, spec.cwd), '--', spec.binary, ...spec.args];
    return { ...spec, binary: check.bwrap, args, interrupt: 'descendants' };
  }

  private async baseEnv(): Promise<Record<string, string>> {
    this.home ??= (async () => {
      const home = await mkdtemp(join(tmpdir(), 'opsbot-tf-'));
      await writeFile(join(home, 'tofurc'), this.cliConfig, { mode: 0o600 });
      return home;
    })();
    const home = await this.home;
    const env: Record<string, string> = {
      PATH: this.sourceEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: join(home, 'tofurc'),
      CHECKPOINT_DISABLE: '1',
    };
    for (const name of this.passEnv) {
      const value = this.sourceEnv[name];
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  private text(outcome: ProcessOutcome): TextResult {
    return { exitCode: outcome.exitCode, stdout: this.redact(outcome.stdout), stderr: this.redact(outcome.stderr) };
  }

  private async failure(command: string, outcome: ProcessOutcome, events: UiEvent[], workspace?: string): Promise<TerraformError> {
    const diagnostics = diagnosticsOf(events);
    const base = { exitCode: outcome.exitCode, diagnostics, cli: this.cli };
    if (outcome.termination) {
      // How tofu left the state lock: with a local backend, its lock record says (after a kill).
      const lock = this.localState ? await localLockRecord(this.localState, workspace, (t) => this.redact(t)) : undefined;
      return new TerraformError('E_TF_CANCELLED', `${this.cli} ${command} cancelled (${outcome.termination === 'SIGINT' ? 'stopped after SIGINT' : 'killed after the grace period'})`, { ...base, termination: outcome.termination, lock });
    }
    const stale = diagnostics.find((d) => d.summary === 'Saved plan is stale');
    if (stale) return new TerraformError('E_PLAN_STALE', `the saved plan is stale: ${stale.detail}`, base);
    const locked = diagnostics.find((d) => d.summary === 'Error acquiring the state lock') ?? textLockDiagnostic(this.redact(outcome.stderr));
    if (locked) {
      const lock = parseLockInfo(locked.detail);
      const holder = lock?.who ? ` held by ${lock.who}${lock.operation ? ` (${lock.operation})` : ''}` : '';
      return new TerraformError('E_STATE_LOCKED', `the state is locked${holder}`, { ...base, lock });
    }
    const first = diagnostics.find((d) => d.severity === 'error');
    const reason = first ? `${first.summary}${first.detail ? `: ${first.detail}` : ''}` : lastLines(this.redact(outcome.stderr || outcome.stdout));
    return new TerraformError('E_TF_FAILED', `${this.cli} ${command} failed (exit ${outcome.exitCode}): ${reason}`, base);
  }

  /** `tofu` or `terraform`, as the binary is named (`tofu-v1.12.6` is tofu). */
  private get cli(): string {
    const name = this.binary.split('/').pop() ?? this.binary;
    return name.startsWith('terraform') ? 'terraform' : name.startsWith('tofu') ? 'tofu' : name;
  }
}

export function defaultBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.TF_BINARY || join(homedir(), '.cache', 'opsbot', 'bin', 'tofu-v1.12.6');
}

/** The workspace is chosen with TF_WORKSPACE; it must be the same at plan and at apply. */
function workspaceEnv(workspace: string | undefined): Record<string, string> {
  if (workspace === undefined) return {};
  if (!WORKSPACE.test(workspace)) throw new TerraformError('E_TF_BAD_INPUT', `invalid workspace name: ${workspace}`);
  return { TF_WORKSPACE: workspace };
}

/** Arguments are passed without a shell, but a newline or NUL still has no business in a path. */
function checkArg(value: string): string {
  if (value === '' || /[\0\n\r]/.test(value)) throw new TerraformError('E_TF_BAD_INPUT', `invalid argument: ${JSON.stringify(value)}`);
  return value;
}

function lockTimeout(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new TerraformError('E_TF_BAD_INPUT', `lockTimeoutMs must be a non-negative integer, got ${ms}`);
  return `-lock-timeout=${ms}ms`;
}

/** Without -json (init, show) the lock error only exists as text on stderr. */
function textLockDiagnostic(stderr: string): Diagnostic | undefined {
  const at = stderr.indexOf('Error acquiring the state lock');
  return at < 0 ? undefined : { severity: 'error', summary: 'Error acquiring the state lock', detail: stderr.slice(at) };
}

function lastLines(text: string, n = 8): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
