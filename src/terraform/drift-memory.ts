import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PlanSummary } from './plan-summary.js';

/**
 * What the last drift report of each stack said, so that drift speaks only when it changes:
 * posted when it appears or changes, once when it is gone, silent between. One Redis key per
 * stack; swapping is one command (SET … GET), so two checks at once cannot both post.
 */

const key = (stack: string) => `opsbot:drift:${stack}`;

/** The drift's identity: which resources would change, and how. Values are not part of it. */
export function driftFingerprint(s: PlanSummary): string {
  const shape = { counts: s.counts, groups: s.groups, drift: s.drift, outputs: s.outputs.map((o) => [o.name, o.action]) };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32);
}

export type DriftChange = 'appeared' | 'changed' | 'gone' | 'same' | 'none';

export function driftChange(before: string | null, now: string | null): DriftChange {
  if (now === null) return before === null ? 'none' : 'gone';
  if (before === null) return 'appeared';
  return before === now ? 'same' : 'changed';
}

export class DriftMemory {
  constructor(private readonly redis: Redis) {}

  /** Records `now` (null: no drift) and returns what was recorded before. */
  async swap(stack: string, now: string | null): Promise<string | null> {
    if (now === null) return (await this.redis.getdel(key(stack))) ?? null;
    return ((await this.redis.call('set', key(stack), now, 'GET')) as string | null) ?? null;
  }
}
