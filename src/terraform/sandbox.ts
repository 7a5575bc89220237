import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { execa } from 'execa';
import type { Config } from '../core/config/schema.js';
import { which } from '../core/which.js';

/**
 * The sandbox tofu runs in. A plan runs the stack's code — HCL functions such as `file()`,
 * provisioners, external programs of providers — as the worker's user; unsandboxed it can read
 * `/proc/<worker>/environ` and every file the worker can. Under bubblewrap (Debian's
 * `bubblewrap`, the sandbox Flatpak uses) it sees only what is bound here: the system's
 * programs and libraries read-only, a handful of files from /etc that name resolution and TLS
 * need, the tofu binary and the stack's own `sandbox.readOnlyPaths` (credential files its backend
 * needs), and read-write the job's work dir, its private HOME and the stack's state. New user, PID, IPC, UTS and cgroup namespaces: no other process is visible (its /proc
 * is its own), no capability is kept, no nested user namespace can be made. The network is
 * shared: providers talk to their clouds, backends to their storage.
 */

export interface SandboxSpec {
  /** Directories the command may read and write: the work dir, its private HOME, the stack's state dir. */
  writable: readonly string[];
  /** Files or directories it may read besides the system's (the tofu binary, a stack's read-only paths). */
  readable: readonly string[];
}

/** Read-only system paths; each is bound only if it exists, symlinks kept as symlinks. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What DNS, TLS to providers' APIs, users/groups lookups and the dynamic linker read: nothing secret. */
const ETC_FILES = [
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/services',
  '/etc/protocols',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
];

const NAMESPACES = ['--unshare-user', '--disable-userns', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];

/** bwrap's arguments (before `--`) for a command that may touch only what `spec` names. */
export function bwrapArgs(spec: SandboxSpec, cwd: string): string[] {
  const args = [...NAMESPACES, '--cap-drop', 'ALL', '--die-with-parent'];
  for (const dir of SYSTEM_DIRS) {
    const kind = pathKind(dir);
    if (kind === 'symlink') args.push('--symlink', readlinkSync(dir), dir);
    else if (kind === 'dir') args.push('--ro-bind', dir, dir);
  }
  for (const f of ETC_FILES) if (existsSync(f)) args.push('--ro-bind', f, f);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const path of spec.readable) {
    if (isUnder(path, '/usr')) continue; // already there
    args.push('--ro-bind', realpathSync(path), path);
  }
  // After /tmp's tmpfs, so work dirs under /tmp are bound over it.
  for (const dir of spec.writable) args.push('--bind', dir, dir);
  args.push('--chdir', cwd);
  return args;
}

export type SandboxCheck = { ok: true; bwrap: string } | { ok: false; reason: string };

let probed: Promise<SandboxCheck> | undefined;

/**
 * Can this machine run the sandbox? bwrap must be installed, and unprivileged user namespaces
 * allowed (a container's seccomp profile or `kernel.apparmor_restrict_unprivileged_userns` may
 * forbid them). Asked once per process: by starting `true` inside the same namespaces.
 */
export function checkSandbox(env: NodeJS.ProcessEnv = process.env): Promise<SandboxCheck> {
  probed ??= (async (): Promise<SandboxCheck> => {
    const bwrap = which('bwrap', env);
    if (!bwrap) return { ok: false, reason: 'bwrap (bubblewrap) is not installed on this worker (Debian/Ubuntu: apt-get install -y bubblewrap)' };
    const r = await execa(bwrap, [...bwrapArgs({ writable: [], readable: [] }, '/'), '--', 'true'], { reject: false, env: { PATH: '/usr/bin:/bin' }, extendEnv: false, timeout: 10_000 });
    if (r.exitCode === 0) return { ok: true, bwrap };
    const why = String(r.stderr ?? '').trim().split('\n').pop() || `exit ${r.exitCode ?? r.signal ?? '?'}`;
    return { ok: false, reason: `bubblewrap cannot create its namespaces here (${why}); user namespaces may be disabled for this user or container` };
  })();
  return probed;
}

function pathKind(path: string): 'symlink' | 'dir' | undefined {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * What a process that runs Terraform jobs says at start about the sandbox: nothing when it
 * works; otherwise a warning naming the fix — plans and applies are refused until then — or,
 * when the config turned it off, what that costs.
 */
export async function sandboxWarning(config: Pick<Config, 'terraform' | 'stacks'>, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (Object.keys(config.stacks).length === 0) return undefined;
  if (!config.terraform.sandbox) {
    return 'terraform.sandbox is false: Terraform runs stacks\' code unsandboxed, as this worker\'s user — whoever can push to a stack\'s branch can read this worker\'s memory, environment and files.';
  }
  const check = await checkSandbox(env);
  if (check.ok) return undefined;
  return `Terraform sandbox unavailable: ${check.reason}. Plans and applies will be refused until it works; or set terraform.sandbox: false in the config to run stacks' code unsandboxed (it can then read this worker's secrets).`;
}
