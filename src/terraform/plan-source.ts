import { execa } from 'execa';
import { OpsbotError } from '../core/errors.js';
import { repoLocation, type StackSource } from './stack-checkout.js';
import type { PullView, StackGitHub } from './stack-github.js';

/**
 * What a plan is made of besides the stack's own branch: another branch, or a pull request on
 * GitHub. The plan records the exact commit; at apply the source is looked at again, and a
 * branch or pull request that moved on makes the plan stale.
 */

export type SourceRequest = { branch: string } | { pr: number };

export type PlanSource = { kind: 'branch'; branch: string } | { kind: 'pr'; number: number; branch: string; fork: boolean; url: string };

export interface ResolvedSource {
  source: PlanSource;
  commit: string;
  /** A ref a plain clone does not bring (a fork's pull request): fetched before checking out. */
  fetch?: string;
}

/**
 * A branch name as git allows it (git-check-ref-format), narrowed to what is safe in an
 * argument and a chat line: letters, digits, `.`, `_`, `-`, `/`; no `..`, `//`, `@{`, no
 * component starting with `.` or ending in `.lock`, nothing starting with `-` or ending in `/`
 * or `.`.
 */
export const BRANCH_PATTERN = /^(?![-/.])(?!.*\.\.)(?!.*\/\/)(?!.*\/\.)(?!.*\.lock(\/|$))[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

export function branchProblem(name: string): string | undefined {
  return BRANCH_PATTERN.test(name) ? undefined : `"${name}" is not a branch name (letters, digits, '.', '_', '-', '/'; no "..", no leading '-' or '.', at most 200).`;
}

export function describeSource(source: PlanSource | undefined, stackBranch: string): string {
  if (!source) return `branch ${stackBranch}`;
  return source.kind === 'branch' ? `branch ${source.branch}` : `pull request #${source.number} (${source.branch}${source.fork ? ', from a fork' : ''})`;
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };

/** The head commit of a branch of the stack's repository, or undefined when there is none. */
export async function branchHead(src: StackSource, branch: string, signal?: AbortSignal): Promise<string | undefined> {
  const problem = branchProblem(branch);
  if (problem) throw new OpsbotError('E_BAD_ARGUMENT', problem);
  const where = repoLocation(src);
  const url = 'local' in where ? where.local : where.url;
  const r = await execa('git', ['ls-remote', '--heads', '--', url, `refs/heads/${branch}`], { reject: false, env: GIT_ENV, cancelSignal: signal, timeout: 30_000 });
  if (r.exitCode !== 0) {
    const why = String(r.stderr ?? '').trim().split('\n').slice(-1)[0];
    throw new OpsbotError('E_CHECKOUT', `Stack ${src.name}: cannot read the branches of its repository (${why || `git exit ${r.exitCode}`}). Nothing was planned.`);
  }
  const line = String(r.stdout ?? '').split('\n').find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line?.split('\t')[0];
}

/** Resolves what to plan, refusing what cannot be: a missing branch or pull request, a closed one, a fork the stack does not allow. */
export async function resolveSource(src: StackSource, request: SourceRequest, github: () => StackGitHub, signal?: AbortSignal): Promise<ResolvedSource> {
  if ('branch' in request) {
    const commit = await branchHead(src, request.branch, signal);
    if (!commit) throw new OpsbotError('E_UNKNOWN_BRANCH', `Stack ${src.name}: there is no branch ${request.branch} in its repository. Nothing was planned.`);
    return { source: { kind: 'branch', branch: request.branch }, commit };
  }
  const gh = github();
  const pr = await gh.pull(request.pr);
  if (!pr) throw new OpsbotError('E_UNKNOWN_PR', `There is no pull request #${request.pr} in ${gh.repo}. Nothing was planned.`);
  if (pr.state !== 'open') throw new OpsbotError('E_PR_CLOSED', `Pull request #${pr.number} in ${gh.repo} is ${pr.merged ? 'merged' : 'closed'}; only an open one is planned. Nothing was planned.`);
  if (pr.fork && !src.stack.github?.allowForks) {
    throw new OpsbotError('E_FORK_PR', `Pull request #${pr.number} comes from a fork; stack ${src.name} does not plan code from forks (stacks.${src.name}.github.allowForks). Nothing was planned.`);
  }
  return { source: prSource(pr), commit: pr.headSha, ...(pr.fork ? { fetch: `refs/pull/${pr.number}/head` } : {}) };
}

function prSource(pr: PullView): PlanSource {
  return { kind: 'pr', number: pr.number, branch: pr.headRef, fork: pr.fork, url: pr.url };
}

/** The ref to fetch at apply for a plan of this source (a fork's pull request). */
export function fetchRef(source: PlanSource | undefined): string | undefined {
  return source?.kind === 'pr' && source.fork ? `refs/pull/${source.number}/head` : undefined;
}

/**
 * Why a plan may not be applied any more because its code moved on: a new push to its branch
 * or pull request, or a pull request closed. Undefined when it is still current.
 */
export async function staleReason(src: StackSource, plan: { id: string; commit: string | null; source?: PlanSource }, github: () => StackGitHub): Promise<string | undefined> {
  const source = plan.source;
  if (!source || !plan.commit) return undefined;
  const made = plan.commit.slice(0, 12);
  if (source.kind === 'branch') {
    const head = await branchHead(src, source.branch);
    if (!head) return `branch ${source.branch} no longer exists (plan ${plan.id} was made from ${made})`;
    return head === plan.commit ? undefined : `branch ${source.branch} has moved on since plan ${plan.id}: it was made from ${made}, the branch is now at ${head.slice(0, 12)}`;
  }
  const pr = await github().pull(source.number);
  if (!pr) return `pull request #${source.number} no longer exists`;
  if (pr.state !== 'open') return `pull request #${source.number} is ${pr.merged ? 'merged' : 'closed'}`;
  return pr.headSha === plan.commit ? undefined : `pull request #${source.number} has new commits since plan ${plan.id}: it was made from ${made}, the head is now ${pr.headSha.slice(0, 12)}`;
}
