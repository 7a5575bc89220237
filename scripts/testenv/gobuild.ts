import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CancelledError, TestenvError, tail } from './log.js';
import { cachedPath, type GoTool } from './tools.js';

const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off' };

function goEnv(tool: GoTool, extra: Record<string, string> = {}): Record<string, string> {
  return { ...GO_ENV, ...(tool.toolchain ? { GOTOOLCHAIN: tool.toolchain } : {}), ...extra };
}

async function go(tool: GoTool, args: string[], cwd: string, signal?: AbortSignal, extraEnv: Record<string, string> = {}): Promise<void> {
  const shown = `go ${args.join(' ')}`;
  // Cancelled with SIGINT, as Ctrl-C would: go stops starting new compiles, waits for the
  // running ones and removes its work directory; SIGKILL only if it has not exited in 10 s.
  const r = await execa('go', args, {
    cwd,
    env: goEnv(tool, extraEnv),
    stdin: 'ignore',
    reject: false,
    all: true,
    cancelSignal: signal,
    killSignal: 'SIGINT',
    forceKillAfterDelay: 10_000,
  });
  if (r.isCanceled || signal?.aborted) throw new CancelledError(tool.name, 'build cancelled: another part failed to build');
  if (r.failed) {
    const why = r.exitCode === undefined ? (r.shortMessage ?? 'could not run go') : `exited with code ${r.exitCode}`;
    throw new TestenvError(tool.name, `build failed: \`${shown}\` (in ${cwd}) ${why}:\n${tail(r.all ?? '')}`);
  }
}

/**
 * A throw-away copy of the wrapper that records another release of the tool: used for version
 * overrides, so the committed go.mod/go.sum stay pinned.
 */
async function overrideWrapper(tool: GoTool, signal?: AbortSignal): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `opsbot-${tool.name}-wrapper-`));
  copyFileSync(join(tool.wrapper, 'go.mod'), join(dir, 'go.mod'));
  if (existsSync(join(tool.wrapper, 'go.sum'))) copyFileSync(join(tool.wrapper, 'go.sum'), join(dir, 'go.sum'));
  const flags = `${process.env.GOFLAGS ?? ''} -mod=mod`.trim();
  const replaces = tool.replacesFor?.(tool.version) ?? [];
  if (replaces.length) await go(tool, ['mod', 'edit', ...replaces.map((r) => `-replace=${r}`)], dir, signal);
  await go(tool, ['get', '-tool', `${tool.pkg}@${tool.version}`], dir, signal, { GOFLAGS: flags });
  return dir;
}

export interface Built {
  path: string;
  cached: boolean;
}

/**
 * Builds `tool` into `<binDir>/<name>-<version>` unless it is there already. The binary is
 * written under a temporary name and renamed, so a failed, cancelled or interrupted build never
 * leaves something that a later run would take for a finished one.
 */
export async function buildTool(tool: GoTool, binDir: string, signal?: AbortSignal): Promise<Built> {
  const out = cachedPath(tool, binDir);
  if (existsSync(out)) return { path: out, cached: true };
  mkdirSync(binDir, { recursive: true });
  const pinned = tool.version === tool.pinned;
  const dir = pinned ? tool.wrapper : await overrideWrapper(tool, signal);
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    const args = ['build', '-trimpath', '-o', tmp];
    if (tool.tags) args.push('-tags', tool.tags);
    const ld = tool.ldflags(tool.version);
    if (ld.length) args.push('-ldflags', ld.join(' '));
    args.push(tool.pkg);
    // The pinned wrapper builds read-only against its committed go.sum: what is built is
    // exactly what is pinned. Override wrappers were just resolved with -mod=mod.
    await go(tool, args, dir, signal);
    renameSync(tmp, out);
    return { path: out, cached: false };
  } finally {
    rmSync(tmp, { force: true });
    if (!pinned) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `jobs` at most `limit` at a time. The first failure cancels the rest (their `go`
 * process groups are killed, nothing half-built is kept) and is what the caller sees, so the
 * part that failed is the one named.
 */
export async function runLimited<K extends string, T>(jobs: Record<K, (signal: AbortSignal) => Promise<T>>, limit: number): Promise<Record<K, T>> {
  const ctl = new AbortController();
  const keys = Object.keys(jobs) as K[];
  const out = {} as Record<K, T>;
  let first: unknown;
  let next = 0;
  const worker = async () => {
    while (next < keys.length && !ctl.signal.aborted) {
      const key = keys[next++] as K;
      try {
        out[key] = await jobs[key](ctl.signal);
      } catch (err) {
        if (first === undefined) first = err;
        ctl.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, keys.length) }, worker));
  if (first !== undefined) throw first;
  return out;
}
