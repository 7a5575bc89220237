import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, posix, resolve } from 'node:path';
import type { ConfigProblem } from './references.js';

/**
 * The rule for `stacks.<name>.sandbox.readOnlyPaths`: files a stack's backend or providers need
 * (a kubeconfig, an Azure CLI profile, a client certificate) may be shown to its code, read-only;
 * opsbot's own secrets and whole system trees may not. Whoever can push to the stack's branch
 * reads what is bound, so a path names exactly the credentials that stack is meant to use.
 *
 * In two halves: the syntax and the trees never allowed (pure, checked by the schema), and what
 * depends on the machine (it exists; it is not, and does not hold, opsbot's home, the worker's
 * HOME or the config file's directory), checked at start, by `check-config` and before each run.
 */

/** Kernel and process views: other processes' environments (`/proc/<pid>/environ`), devices, sockets. */
const NEVER_UNDER = ['/proc', '/sys', '/dev', '/run'];
const PATH_CHARS = /^[A-Za-z0-9._@+=,/-]+$/;

/** Why `p` can never be a read-only path, from its text alone; undefined when it may be. */
export function sandboxPathSyntaxProblem(p: string): string | undefined {
  if (!p.startsWith('/')) return `must be an absolute path (got "${p}")`;
  if (!PATH_CHARS.test(p)) return `must be a path of letters, digits and . _ - @ + = , / (got "${p}")`;
  if (p.split('/').includes('..')) return `must not contain ".." (got "${p}")`;
  if (p !== '/' && (posix.normalize(p) !== p || p.endsWith('/')))
    return `must be written normalised, as ${posix.normalize(p).replace(/(.)\/$/, '$1')} (got "${p}")`;
  return treeProblem(p);
}

function treeProblem(p: string): string | undefined {
  if (p === '/') return 'is / (the whole file system): name the files or directory the credentials are in';
  const under = NEVER_UNDER.find((t) => isWithin(p, t));
  if (under)
    return `${p} is under ${under}, which never goes into the sandbox (it shows other processes' environments and the system's devices and sockets)`;
  if (p.split('/').length === 2) return `${p} is a whole top-level directory: name the files or directory the credentials are in`;
  return undefined;
}

/** The machine-dependent half for every stack of a config; `configFile` is the file it was read from. */
export function sandboxPathProblems(
  config: { stacks: Record<string, { sandbox: { readOnlyPaths: readonly string[] } }> },
  where: { env: NodeJS.ProcessEnv; configFile: string },
): ConfigProblem[] {
  return Object.entries(config.stacks).flatMap(([name, stack]) => stackSandboxPathProblems(name, stack.sandbox.readOnlyPaths, where));
}

export function stackSandboxPathProblems(
  stack: string,
  paths: readonly string[],
  where: { env: NodeJS.ProcessEnv; configFile?: string },
): ConfigProblem[] {
  const guarded = guardedPlaces(where);
  const problems: ConfigProblem[] = [];
  paths.forEach((p, i) => {
    const path = `stacks.${stack}.sandbox.readOnlyPaths.${i}`;
    let real: string;
    try {
      real = realpathSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ path, message: `${p} ${code === 'ENOENT' ? 'does not exist on this machine' : `cannot be read (${code ?? String(err)})`}` });
      return;
    }
    // A symlink is judged by what it points at: that is what the sandbox would show.
    const shown = real === p ? p : `${p} (a link to ${real})`;
    const tree = real === p ? undefined : treeProblem(real);
    if (tree) return void problems.push({ path, message: `${shown}: ${tree}` });
    for (const g of guarded) {
      if (isWithin(real, g.dir) && g.inside) problems.push({ path, message: `${shown} is inside ${g.what} (${g.dir}), ${g.why}` });
      else if (isWithin(g.dir, real)) problems.push({ path, message: `${shown} ${real === g.dir ? 'is' : 'holds'} ${g.what} (${g.dir}), ${g.why}` });
      else continue;
      return;
    }
  });
  return problems;
}

interface Guarded {
  dir: string;
  what: string;
  why: string;
  /** Is a path inside it refused too (opsbot's home), or only the place itself and what holds it (the worker's HOME)? */
  inside: boolean;
}

function guardedPlaces(where: { env: NodeJS.ProcessEnv; configFile?: string }): Guarded[] {
  const home = where.env.HOME || homedir();
  return [
    {
      dir: realOr(resolve(where.env.OPSBOT_HOME ?? '.opsbot')),
      what: 'OPSBOT_HOME',
      why: "opsbot's own data (its Redis, saved plans)",
      inside: true,
    },
    {
      dir: realOr(home),
      what: "the worker's HOME",
      why: 'which holds far more than one stack needs: name the directory inside it (e.g. ~/.kube)',
      inside: false,
    },
    ...(where.configFile
      ? [
          {
            dir: realOr(dirname(resolve(where.configFile))),
            what: "the config file's directory",
            why: 'where opsbot.yaml and its .env live',
            inside: false,
          },
        ]
      : []),
  ];
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}
