import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { REPO_PATH_PATTERN, type StackConfig } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';

/**
 * Gets a stack's code into a private work dir for one job: a git repository (a path or a URL)
 * is cloned at its branch head (plan) or at a recorded commit (apply); a plain directory that
 * is not a git repository is copied, and its plans record "no commit". git always runs with an
 * argument array and without a terminal prompt, so a repo that wants credentials fails fast.
 */

export interface StackCheckout {
  /** The job's work dir (delete with `dispose`). */
  root: string;
  /** The stack directory inside it: where tofu runs. */
  dir: string;
  /** The commit checked out; null for a plain directory. */
  commit: string | null;
  /** `-backend-config` values for `init` (see localStatePath). */
  backendConfig: string[];
  /** Where a `backend "local"` stack's state lives (outside the work dir); undefined for remote backends. */
  stateDir?: string;
  dispose(): Promise<void>;
}

export interface StackSource {
  name: string;
  stack: StackConfig;
  /** Directory relative repo paths are resolved against (the config file's directory). */
  baseDir: string;
  /** Where state of a `backend "local"` stack cloned from a URL is kept. */
  stateHome: string;
  /** Run tofu in the bubblewrap sandbox (config `terraform.sandbox`; default true). */
  sandbox?: boolean;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };

/** Absolute path of a local repo, or the URL as given. */
export function repoLocation(src: StackSource): { local: string } | { url: string } {
  const repo = src.stack.repo ?? src.baseDir;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/:]+:/.test(repo)) {
    return repo.startsWith('file://') ? { local: new URL(repo).pathname } : { url: repo };
  }
  return { local: isAbsolute(repo) ? repo : resolve(src.baseDir, repo) };
}

/**
 * Names and paths that reach git and tofu are checked again here: the config is not the only way
 * in. A var file asked for in chat (`--var-file`) must also be one the stack allows
 * (`extraVarFiles`): a var file sets any variable, so by default the stack's own list is all.
 */
export function checkStackPaths(src: StackSource, extraVarFiles: readonly string[] = []): void {
  for (const [what, p] of [['dir', src.stack.dir], ...[...src.stack.varFiles, ...extraVarFiles].map((f) => ['var file', f] as const)] as const) {
    if (!REPO_PATH_PATTERN.test(p)) throw new OpsbotError('E_BAD_ARGUMENT', `Stack ${src.name}: ${what} "${p}" must be a relative path inside the repository (no "..", no absolute paths).`);
  }
  const allowed = src.stack.extraVarFiles ?? [];
  for (const f of extraVarFiles) {
    if (allowed.includes('*') || allowed.includes(f)) continue;
    const own = src.stack.varFiles.length ? ` Its own var files (${src.stack.varFiles.join(', ')}) are always used.` : '';
    const may = allowed.length ? `it allows only ${allowed.join(', ')}` : 'it takes no --var-file (stacks.' + src.name + '.extraVarFiles is empty)';
    throw new OpsbotError('E_VAR_FILE_NOT_ALLOWED', `Stack ${src.name} does not allow --var-file ${f}: ${may}.${own} Nothing was planned.`);
  }
}

/** Refs fetched beside a clone: a pull request's head (a fork's code is only there). */
const FETCHABLE = /^refs\/pull\/\d{1,9}\/head$/;

export async function checkoutStack(src: StackSource, at: { commit?: string | null; fetch?: string }, signal?: AbortSignal): Promise<StackCheckout> {
  checkStackPaths(src);
  const root = await mkdtemp(join(tmpdir(), `opsbot-stack-${src.name}-`));
  const dispose = () => rm(root, { recursive: true, force: true });
  try {
    const where = repoLocation(src);
    const work = join(root, 'repo');
    let commit: string | null = null;
    if ('local' in where && !(await isGitRepo(where.local, signal))) {
      if (at.commit) throw new OpsbotError('E_CHECKOUT', `Stack ${src.name}: the plan was made from commit ${at.commit.slice(0, 12)}, but ${where.local} is not a git repository any more.`);
      if (!existsSync(where.local) || !statSync(where.local).isDirectory()) throw new OpsbotError('E_CHECKOUT', `Stack ${src.name}: repository ${where.local} does not exist.`);
      // Copy without state, plans and provider caches (state stays where the stack keeps it),
      // nor an installed project's node_modules and opsbot data (the bundled stack's repo).
      await cp(where.local, work, { recursive: true, filter: (p) => !/(^|\/)(\.terraform|[^/]*\.tfstate[^/]*|[^/]*\.tfplan|node_modules|\.opsbot)$/.test(p) });
    } else {
      const url = 'local' in where ? where.local : where.url;
      if (at.commit) {
        if (!COMMIT.test(at.commit)) throw new OpsbotError('E_CHECKOUT', `not a commit id: ${at.commit}`);
        await git(['clone', '--quiet', '--no-checkout', '--', url, work], root, signal, src.name);
        if (at.fetch) {
          if (!FETCHABLE.test(at.fetch)) throw new OpsbotError('E_CHECKOUT', `not a pull request ref: ${at.fetch}`);
          await git(['fetch', '--quiet', '--no-tags', 'origin', at.fetch], work, signal, src.name);
        }
        await git(['checkout', '--quiet', '--detach', at.commit], work, signal, src.name);
      } else {
        await git(['clone', '--quiet', '--single-branch', '--no-tags', '--branch', src.stack.branch, '--', url, work], root, signal, src.name);
      }
      commit = (await git(['rev-parse', 'HEAD'], work, signal, src.name)).trim();
    }
    const dir = join(work, src.stack.dir);
    await mustStayInside(work, dir, src);
    if (!existsSync(dir)) throw new OpsbotError('E_CHECKOUT', `Stack ${src.name}: directory ${src.stack.dir} does not exist in the repository${commit ? ` at ${commit.slice(0, 12)}` : ''}.`);
    for (const f of src.stack.varFiles) await mustStayInside(work, resolve(dir, f), src);
    const stateDir = (await usesLocalBackend(dir)) ? localStatePath(src, where) : undefined;
    // It exists before tofu runs: the sandbox binds it, and only what exists can be bound.
    if (stateDir) await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const backendConfig = stateDir ? localStateConfig(stateDir) : [];
    return { root, dir, commit, backendConfig, stateDir, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** A symlink in the repository must not lead tofu outside of it. */
async function mustStayInside(root: string, path: string, src: StackSource): Promise<void> {
  if (!existsSync(path)) return;
  const real = await realpath(path);
  const base = await realpath(root);
  if (real !== base && !real.startsWith(base + sep)) {
    throw new OpsbotError('E_BAD_ARGUMENT', `Stack ${src.name}: ${relative(root, path)} points outside the repository.`);
  }
}

/**
 * A `backend "local"` stack keeps its state in the directory it runs in — a per-job work dir
 * would lose it. So state lives where the stack is: beside the configuration in a local
 * repository (gitignored there, as `tofu` would keep it), or under OPSBOT_HOME for a URL.
 */
export function localStatePath(src: StackSource, where: { local: string } | { url: string }): string {
  if ('local' in where) return join(where.local, src.stack.dir);
  const digest = createHash('sha256').update(where.url).digest('hex').slice(0, 12);
  return join(src.stateHome, `${src.name}-${digest}`, src.stack.dir);
}

function localStateConfig(stateDir: string): string[] {
  return [`path=${join(stateDir, 'terraform.tfstate')}`, `workspace_dir=${join(stateDir, 'terraform.tfstate.d')}`];
}

async function usesLocalBackend(dir: string): Promise<boolean> {
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.tf')) continue;
    if (/backend\s+"local"/.test(await readFile(join(dir, f), 'utf8'))) return true;
  }
  return false;
}

async function isGitRepo(path: string, signal?: AbortSignal): Promise<boolean> {
  if (!existsSync(join(path, '.git')) && !existsSync(join(path, 'HEAD'))) return false;
  const r = await execa('git', ['-C', path, 'rev-parse', '--git-dir'], { reject: false, env: GIT_ENV, cancelSignal: signal });
  return r.exitCode === 0;
}

async function git(args: string[], cwd: string, signal: AbortSignal | undefined, stack: string): Promise<string> {
  const r = await execa('git', args, { cwd, reject: false, env: GIT_ENV, cancelSignal: signal, timeout: 120_000 });
  if (signal?.aborted) throw new OpsbotError('E_CANCELLED', 'cancelled during git checkout');
  if (r.exitCode !== 0) {
    const why = String(r.stderr ?? '').trim().split('\n').slice(-2).join(' ');
    throw new OpsbotError('E_CHECKOUT', `Stack ${stack}: git ${args[0]} failed: ${why || `exit ${r.exitCode}`}`);
  }
  return String(r.stdout ?? '');
}
