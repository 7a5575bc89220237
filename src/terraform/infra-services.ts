import type { Config, StackConfig, TerraformSettings } from '../core/config/schema.js';
import { NAME_PATTERN } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { which } from '../core/which.js';
import { existsSync } from 'node:fs';
import { defaultBinary } from './runner.js';
import type { PlanStore } from './plan-store.js';
import type { ReviewLocks } from './review-lock.js';
import type { GitHubRepos } from './stack-github.js';
import type { StackLocks } from './stack-lock.js';
import type { StackSource } from './stack-checkout.js';
import type { UnlockRequests } from './unlock-requests.js';
import { ownEntry } from '../core/config/own-entry.js';

/**
 * What the /infra commands and the plan/apply/drift jobs share. The composition root builds
 * one and hands it to the commands alongside CommandDeps (`deps.infra`).
 */
export interface InfraServices {
  store: PlanStore;
  locks: StackLocks;
  /** Plan-to-apply locks of stacks with `lock: plan-to-apply`. */
  holds: ReviewLocks;
  /** Pending `/infra force-unlock` requests, awaiting a second person. */
  unlocks: UnlockRequests;
  /** The GitHub repositories of stacks (`stacks.<name>.github`). */
  github: Pick<GitHubRepos, 'forStack'>;
  /** Directory relative stack repos are resolved against (the config file's). */
  baseDir: string;
  /** State of `backend "local"` stacks cloned from a URL. */
  stateHome: string;
  /** `terraform` settings of the config (the sandbox); absent: the defaults (sandboxed). */
  terraform?: TerraformSettings;
}

/** A stack argument: strict name first (it reaches paths and Redis keys), then known. */
export function stackNamed(config: Pick<Config, 'stacks'>, name: string): StackConfig {
  const known = Object.keys(config.stacks);
  const list = known.length ? `Known stacks: ${known.join(', ')}.` : 'No stacks are configured (stacks: in opsbot.yaml).';
  if (!NAME_PATTERN.test(name)) throw new OpsbotError('E_BAD_ARGUMENT', `"${name}" is not a stack name (lowercase letters, digits and '-'). ${list}`);
  const stack = ownEntry(config.stacks, name);
  if (!stack) throw new OpsbotError('E_UNKNOWN_STACK', `There is no stack "${name}".${didYouMean(name, known)} ${list}`);
  return stack;
}

export function stackSource(infra: Pick<InfraServices, 'baseDir' | 'stateHome' | 'terraform'>, name: string, stack: StackConfig): StackSource {
  return { name, stack, baseDir: infra.baseDir, stateHome: infra.stateHome, sandbox: infra.terraform?.sandbox ?? true };
}

/**
 * Which CLI runs a stack: TF_BINARY if set (and, when the stack names `terraform` or `tofu`,
 * only if it is that one), else the stack's choice or terraform/tofu from PATH, else the
 * OpenTofu the test environment builds. Missing: a clear error before anything runs.
 */
export function terraformBinaryFor(stack: Pick<StackConfig, 'binary'>, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.TF_BINARY;
  if (fromEnv && (!stack.binary || fromEnv.split('/').pop()!.startsWith(stack.binary))) {
    const found = which(fromEnv, env);
    if (!found) throw new OpsbotError('E_TF_MISSING', `TF_BINARY is set to "${fromEnv}", which is not an executable on this worker. Install Terraform or OpenTofu, or fix TF_BINARY.`);
    return found;
  }
  const names = stack.binary ? [stack.binary] : ['terraform', 'tofu'];
  for (const n of names) {
    const found = which(n, env);
    if (found) return found;
  }
  const cached = defaultBinary({});
  if (!stack.binary || stack.binary === 'tofu') {
    if (existsSync(cached)) return cached;
  }
  throw new OpsbotError('E_TF_MISSING', `No ${names.join(' or ')} on this worker's PATH. Install Terraform or OpenTofu, or set TF_BINARY to its path.`);
}
