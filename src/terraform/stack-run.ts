import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOpsbotError, OpsbotError } from '../core/errors.js';
import type { Progress } from '../core/message.js';
import { stackSandboxPathProblems } from '../core/config/sandbox-paths.js';
import { isTerraformError, type TerraformError } from './errors.js';
import { forceUnlockButton, isLockId } from './state-lock.js';
import { formatDiagnostics } from './plan-message.js';
import { capLine, capPlanText, hideOutputValues } from './plan-text.js';
import { summarizePlan, type PlanSummary } from './plan-summary.js';
import { TerraformRunner } from './runner.js';
import { checkoutStack, type StackCheckout, type StackSource } from './stack-checkout.js';
import { terraformBinaryFor } from './infra-services.js';
import type { UiEvent } from './ui-events.js';
import type { StackConfig } from '../core/config/schema.js';

/**
 * One stack's code checked out and initialised for one job, with the CLI that runs it. Shared
 * by the plan, apply and drift jobs; the caller disposes it (work dir and private HOME).
 */
export interface OpenStack {
  checkout: StackCheckout;
  runner: TerraformRunner;
  dispose(): Promise<void>;
}

export async function openStack(src: StackSource, opts: { commit?: string | null; fetch?: string; env: NodeJS.ProcessEnv; signal: AbortSignal; say: Progress }): Promise<OpenStack> {
  const binary = terraformBinaryFor(src.stack, opts.env);
  await opts.say({ text: opts.commit ? `Checking out commit ${opts.commit.slice(0, 12)} of stack ${src.name}…` : `Checking out stack ${src.name} (${src.stack.branch})…` });
  const readable = src.sandbox === false ? [] : readOnlyPathsOf(src, opts.env);
  const checkout = await checkoutStack(src, { commit: opts.commit, fetch: opts.fetch }, opts.signal);
  // Sandboxed unless the config opts out: tofu may write its work dir and the stack's state, and read the stack's own read-only paths.
  const sandbox = src.sandbox === false ? false : { writable: [checkout.root, ...(checkout.stateDir ? [checkout.stateDir] : [])], readable };
  const runner = new TerraformRunner({ binary, passEnv: src.stack.env, sourceEnv: opts.env, sandbox });
  const dispose = async () => {
    await runner.dispose().catch(() => undefined);
    await checkout.dispose();
  };
  try {
    await opts.say({ text: `Initialising stack ${src.name}…` });
    const fail = failureOf(src.name);
    await runner.init(checkout.dir, { backendConfig: checkout.backendConfig, signal: opts.signal }).catch(fail);
    if (src.stack.workspace) await runner.ensureWorkspace(checkout.dir, src.stack.workspace, { signal: opts.signal }).catch(fail);
    return { checkout, runner, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * The stack's `sandbox.readOnlyPaths`, checked again on this worker right before they are bound
 * (a path removed, or turned into a link to opsbot's home, since start): refused with the reason.
 */
function readOnlyPathsOf(src: StackSource, env: NodeJS.ProcessEnv): readonly string[] {
  const paths = src.stack.sandbox.readOnlyPaths;
  const problems = stackSandboxPathProblems(src.name, paths, { env });
  if (problems.length > 0) {
    throw new OpsbotError('E_CONFIG', `Stack ${src.name} cannot run here: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}. Nothing was run.`);
  }
  return paths;
}

export interface PlanOutcome {
  summary: PlanSummary;
  planFile: Buffer;
  planText: string;
}

/** `plan -out … -detailed-exitcode -json` with progress, then `show -json` and the plain-text plan. */
export async function planStack(open: OpenStack, src: StackSource, opts: { varFiles: string[]; signal: AbortSignal; say: Progress }): Promise<PlanOutcome> {
  const progress = new PlanProgress(src.name, opts.say);
  const fail = failureOf(src.name);
  const result = await open.runner
    .plan(open.checkout.dir, {
      out: join(open.checkout.root, 'opsbot.tfplan'),
      varFiles: [...src.stack.varFiles, ...opts.varFiles],
      lockTimeoutMs: src.stack.lockTimeout,
      workspace: src.stack.workspace,
      signal: opts.signal,
      onEvent: (e) => progress.on(e),
    })
    .catch(fail);
  const shown = await open.runner.show(result.planFile, { dir: open.checkout.dir, signal: opts.signal }).catch(fail);
  let summary: PlanSummary;
  try {
    summary = summarizePlan(shown, { outputValues: src.stack.postOutputs });
  } catch (err) {
    rethrow(err, src.name);
  }
  const text = await open.runner.showText(result.planFile, { dir: open.checkout.dir, signal: opts.signal }).catch(fail);
  const shownText = src.stack.postOutputs ? text : hideOutputValues(text, `stack ${src.name} does not post output values (postOutputs)`);
  return { summary, planFile: await readFile(result.planFile), planText: capPlanText(shownText) };
}

/**
 * Runs a plan or an apply (checkout and init included) within the stack's `planTimeout` /
 * `applyTimeout`: past it, the same stop as /cancel — SIGINT to tofu, SIGKILL after the grace
 * period — and a failure that names the limit and says how tofu left the state lock. A
 * /cancel meanwhile stays a cancel.
 */
export async function withinTimeout<T>(kind: 'plan' | 'apply', src: StackSource, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ms = kind === 'plan' ? src.stack.planTimeout : src.stack.applyTimeout;
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(new Error(`${kind}Timeout`)), ms);
  try {
    return await work(AbortSignal.any([signal, limit.signal]));
  } catch (err) {
    if (!limit.signal.aborted || signal.aborted) throw err;
    const stop = isOpsbotError(err) && err.code === 'E_CANCELLED' ? ` ${err.userMessage.replace(/^Cancelled: /, '')}` : '';
    throw new OpsbotError('E_TF_TIMEOUT', `The ${kind} of stack ${src.name} was stopped: it ran longer than ${kind}Timeout (${duration(ms)}).${stop}${kind === 'apply' ? ' The state may be partly applied: run a new plan to see where it stands.' : ''}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Edits one message while tofu plans: at most once a second, so the chat is not flooded. */
class PlanProgress {
  private refreshed = 0;
  private planned = 0;
  private last = 0;

  constructor(
    private readonly stack: string,
    private readonly say: Progress,
  ) {}

  on(e: UiEvent): void {
    if (e.type === 'refresh_complete') this.refreshed++;
    else if (e.type === 'planned_change') this.planned++;
    else return;
    const now = Date.now();
    if (now - this.last < 1000) return;
    this.last = now;
    void this.say({ text: `Planning stack ${this.stack}: ${this.refreshed} resources refreshed, ${this.planned} changes planned so far…` }).catch(() => undefined);
  }
}

/** A stack checked out and initialised for one job: plan it, apply a saved plan, dispose. */
export interface StackSession {
  /** The commit checked out; null for a plain directory. */
  readonly commit: string | null;
  plan(opts: { varFiles: string[]; signal: AbortSignal; progress: Progress }): Promise<PlanOutcome>;
  /** Applies exactly this saved plan file, progress as machine-readable UI events. */
  apply(plan: { id: string; file: Buffer }, opts: { signal: AbortSignal; onEvent: (e: UiEvent) => void }): Promise<{ events: readonly UiEvent[] }>;
  /** `force-unlock -force <lockId>` of the stack's state (its workspace). */
  forceUnlock(lockId: string, opts: { signal: AbortSignal }): Promise<void>;
  dispose(): Promise<void>;
}

/** The Terraform CLI as the plan, apply and drift jobs use it, with the worker's environment. */
export class TerraformStacks {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Which CLI runs the stack; a missing one fails here, before any lock is taken. */
  binaryFor(stack: StackConfig): string {
    return terraformBinaryFor(stack, this.env);
  }

  async open(src: StackSource, opts: { commit?: string | null; fetch?: string; signal: AbortSignal; progress: Progress }): Promise<StackSession> {
    const open = await openStack(src, { commit: opts.commit, fetch: opts.fetch, env: this.env, signal: opts.signal, say: opts.progress });
    return {
      commit: open.checkout.commit,
      plan: (o) => planStack(open, src, { varFiles: o.varFiles, signal: o.signal, say: o.progress }),
      apply: async (plan, o) => {
        const planFile = join(open.checkout.root, `plan-${plan.id}.tfplan`);
        await writeFile(planFile, plan.file, { mode: 0o600 });
        return open.runner.apply(open.checkout.dir, planFile, o.onEvent, { signal: o.signal, lockTimeoutMs: src.stack.lockTimeout, workspace: src.stack.workspace }).catch(failureOf(src.name));
      },
      forceUnlock: async (lockId, o) => {
        await open.runner.forceUnlock(open.checkout.dir, lockId, { signal: o.signal, workspace: src.stack.workspace }).catch(failureOf(src.name));
      },
      dispose: () => open.dispose(),
    };
  }
}

/**
 * Terraform failures become chat-ready errors: diagnostics with file:line for a failed plan,
 * the holder for a state lock (and how to free it), and SIGINT vs SIGKILL for a cancel.
 */
export function rethrow(err: unknown, stack?: string): never {
  if (!isTerraformError(err)) throw err;
  throw toOpsbotError(err, stack);
}

/** `rethrow` for one stack, for `.catch(…)`: a held state lock names it and offers to free it. */
export function failureOf(stack: string): (err: unknown) => never {
  return (err) => rethrow(err, stack);
}

export function toOpsbotError(err: TerraformError, stack?: string): OpsbotError {
  switch (err.code) {
    case 'E_TF_CANCELLED':
      return new OpsbotError('E_CANCELLED', `Cancelled: ${stopReport(err, stack)}`, { cause: err });
    case 'E_PLAN_STALE':
      return new OpsbotError('E_PLAN_STALE', 'State changed since this plan — run a new plan (/infra plan <stack>). Nothing was applied: the CLI refused the stale plan.');
    case 'E_STATE_LOCKED':
      return stateLocked(err, stack);
    case 'E_TF_MISSING':
      return new OpsbotError('E_TF_MISSING', `${err.message}. Install Terraform or OpenTofu on the worker, or set TF_BINARY.`);
    case 'E_TF_SANDBOX':
      return new OpsbotError('E_TF_SANDBOX', `${err.message} Nothing was run.`);
    default: {
      const diags = err.diagnostics.length ? `\n${formatDiagnostics(err.diagnostics)}` : '';
      return new OpsbotError('E_TF_FAILED', diags ? `${err.message.split(':')[0]}:${diags}` : err.message.split('\n').map((l) => capLine(l, 300)).join('\n'));
    }
  }
}

/**
 * Terraform's own state lock is held: by whom, for what, since when, its id — and, when the lock
 * id is one opsbot can pass on, `/infra force-unlock` (a button too) for when no run holds it
 * any more, such as after a killed apply.
 */
function stateLocked(err: TerraformError, stack: string | undefined): OpsbotError {
  const l = err.lock ?? {};
  const holder = `${l.who ? ` by ${l.who}` : ''}${l.operation ? ` (${l.operation}${l.created ? ` since ${l.created}` : ''})` : l.created ? ` since ${l.created}` : ''}`;
  const text = `The Terraform state${stack ? ` of stack ${stack}` : ''} is locked${holder}${l.id ? `; lock id ${l.id}` : ''}.`;
  if (!stack || !l.id || !isLockId(l.id)) return new OpsbotError('E_STATE_LOCKED', text);
  const offer = ` If no run holds it any more (an apply that was killed), free it with /infra force-unlock ${stack} ${l.id} — an approver of the stack other than you must confirm.`;
  const button = forceUnlockButton(stack, l.id);
  return new OpsbotError('E_STATE_LOCKED', text + offer, { buttons: [button] });
}

/**
 * How tofu stopped, and how it left Terraform's state lock: released after SIGINT (unless it
 * said it could not), or — killed — the lock record a local backend leaves, or a warning that a
 * remote backend may still hold it.
 */
function stopReport(err: TerraformError, stack: string | undefined): string {
  if (err.termination === 'SIGINT') {
    const release = err.diagnostics.find((d) => d.summary.startsWith('Error releasing the state lock'));
    return release ? `${err.cli} stopped after SIGINT but could not release the state lock: ${capLine(release.detail.trim().split('\n')[0] ?? '', 200)}` : `${err.cli} stopped cleanly after SIGINT and released the state lock.`;
  }
  if (err.termination !== 'SIGKILL') return `${err.cli} had not started yet.`;
  const killed = `${err.cli} did not stop after SIGINT within the grace period and was killed (SIGKILL).`;
  const l = err.lock;
  if (l?.id) {
    return `${killed} It left its state lock record (lock id ${l.id}${l.operation ? `, ${l.operation}` : ''}${l.who ? ` by ${l.who}` : ''}) in ${l.path ?? 'the state directory'}; the local backend's lock itself ended with the process. Check the stack before the next run.`;
  }
  return `${killed} The state lock may remain (a remote backend keeps it until it is force-unlocked): check the stack, then run a new plan — if the lock remains, the plan names its lock id and offers /infra force-unlock ${stack ?? '<stack>'} <lock id>.`;
}
