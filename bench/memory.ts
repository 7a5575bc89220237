import type { BenchOptions, BenchResult } from './stats.js';

export async function memory(_opts: BenchOptions): Promise<BenchResult[]> {
  return [];
}
