import type { BenchOptions, BenchResult } from './stats.js';

export async function ackLatency(_opts: BenchOptions): Promise<BenchResult[]> {
  return [];
}
