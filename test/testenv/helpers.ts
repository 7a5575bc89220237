import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';
import type { PartStatus, Testenv } from '../support/testenv.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** A name unique to this run, so suites can share one cluster without colliding. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Runs `tsx scripts/testenv.ts <args>` as CI would: no stdin, CI=true, the given env on top. */
export function runTestenv(args: string[], env: Record<string, string>, timeout = 600_000): Promise<Result> {
  return execa(TSX, ['scripts/testenv.ts', ...args], {
    cwd: REPO_ROOT,
    env: { CI: 'true', ...env },
    stdin: 'ignore',
    reject: false,
    all: true,
    timeout,
  });
}

/** Pids of live processes whose command line or working directory mentions `marker` (a private state dir). */
export function processesMentioning(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // not ours to inspect
      }
      if ((cmd.includes(marker) || cwd.startsWith(marker)) && state !== 'Z') out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Polls until `fn` resolves truthy, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Tests of scripts/testenv.ts itself run only where `npm run testenv` has run (they reuse its
 * binary cache): not against a contributor's own cluster.
 */
export function scriptEnv(env: Testenv): PartStatus {
  if (env.source === 'process.env')
    return { available: false, reason: 'parts come from the process environment, not from `npm run testenv`', env: {} };
  return env.kube;
}
