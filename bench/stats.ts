/** What every benchmark returns: one row per figure, each against a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same figure for the reference (bare Bolt, plain git loop, tofu by hand…), or the target when there is no reference run. */
  baseline: number | null;
  /** value / baseline (lower is better unless the unit is a rate). */
  ratio: number | null;
  /** What the baseline is, and anything a reader must know about the figure. */
  note?: string;
}

export interface BenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

export type Benchmark = (opts: BenchOptions) => Promise<BenchResult[]>;

/** Nearest-rank percentile of a list of numbers (unsorted is fine). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function row(name: string, value: number, unit: string, baseline: number | null, note?: string): BenchResult {
  const ratio = baseline && Number.isFinite(baseline) && baseline !== 0 ? round(value / baseline, 3) : null;
  return { name, value: round(value), unit, baseline: baseline === null ? null : round(baseline), ratio, ...(note ? { note } : {}) };
}

/** Poll `check` until it is true, at most `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
