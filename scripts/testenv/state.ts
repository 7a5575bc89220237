import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Part } from './config.js';
import type { Ports } from './services.js';

export interface ProcState {
  pid: number;
  binary: string;
  /** Digest of the command line and environment it was started with: `up` restarts a part whose flags changed. */
  config?: string;
}

/** What `up` started and on which ports; `down` and `restart` work from this alone. */
export interface State {
  ports: Partial<Ports>;
  procs: Partial<Record<Part, ProcState>>;
}

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

export function readState(dir: string): State {
  const p = statePath(dir);
  if (!existsSync(p)) return { ports: {}, procs: {} };
  const s = JSON.parse(readFileSync(p, 'utf8')) as Partial<State>;
  return { ports: s.ports ?? {}, procs: s.procs ?? {} };
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

export function writeState(dir: string, s: State): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(statePath(dir), `${JSON.stringify(s, null, 2)}\n`);
}

/** `.testenv/env`: shell `KEY=value` lines, values quoted only when they need it. */
export function writeEnvFile(dir: string, vars: Record<string, string>): string {
  const path = join(dir, 'env');
  const quote = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const body = Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join('\n');
  writeAtomic(path, `# Written by scripts/testenv.ts; read by test/support/testenv.ts.\n${body}\n`);
  return path;
}
