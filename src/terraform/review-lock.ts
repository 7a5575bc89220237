import type { Redis } from 'ioredis';

/**
 * The plan-to-apply lock of a stack with `lock: plan-to-apply`: from a plan until its apply,
 * its rejection, its expiry (the key's TTL is the plan's lifetime) or the merge of its pull
 * request, the stack belongs to the planner's branch or pull request, and another person's plan
 * is refused naming the holder. Separate from the job lease (StackLocks), which only lives while
 * a job runs. Taking and freeing are single scripts: two planners can never both win.
 */

export interface ReviewHold {
  /** Who holds it: the person (Policy.personOf), and how to name them. */
  person: string;
  by: string;
  since: number;
  /** What it is held for: `pr:12`, `branch:feature/x` or `branch:main` (the stack's own). */
  source: string;
  /** The pull request, when it is one: the lock frees when it is merged or closed. */
  pr?: { number: number; url: string };
  planId?: string;
}

const PREFIX = 'opsbot:hold:stack:';
const key = (stack: string) => `${PREFIX}${stack}`;

/** ARGV: hold JSON, ttl ms. Taken when free or already this person's for the same source. */
const TAKE = `
local v = redis.call('get', KEYS[1])
if v then
  local h = cjson.decode(v)
  local mine = cjson.decode(ARGV[1])
  if h.person ~= mine.person or h.source ~= mine.source then return v end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

/** ARGV: plan id ('' = any). Frees the hold only if it is still that plan's. */
const RELEASE = `
local v = redis.call('get', KEYS[1])
if not v then return false end
if ARGV[1] ~= '' and cjson.decode(v).planId ~= ARGV[1] then return false end
redis.call('del', KEYS[1])
return v
`;

export function describeHold(stack: string, h: ReviewHold, now = Date.now()): string {
  const what = h.pr ? `pull request #${h.pr.number} (${h.pr.url})` : h.source.replace(/^branch:/, 'branch ');
  const mins = Math.max(0, Math.round((now - h.since) / 60_000));
  return `Stack ${stack} is locked for ${h.by}'s ${what} since ${new Date(h.since).toISOString()} (${mins} min ago)${h.planId ? `, plan ${h.planId}` : ''}`;
}

export class ReviewLocks {
  constructor(private readonly redis: Redis) {}

  async get(stack: string): Promise<ReviewHold | undefined> {
    const v = await this.redis.get(key(stack));
    return v ? (JSON.parse(v) as ReviewHold) : undefined;
  }

  /** Takes (or renews) the hold; returns the other holder when someone else has it. */
  async take(stack: string, hold: ReviewHold, ttlMs: number): Promise<ReviewHold | undefined> {
    const other = (await this.redis.eval(TAKE, 1, key(stack), JSON.stringify(hold), String(Math.max(1, Math.round(ttlMs))))) as string | null;
    return other ? (JSON.parse(other) as ReviewHold) : undefined;
  }

  /** Frees it (only if it is still `planId`'s, when given); returns what was freed. */
  async release(stack: string, planId?: string): Promise<ReviewHold | undefined> {
    const v = (await this.redis.eval(RELEASE, 1, key(stack), planId ?? '')) as string | null;
    return v ? (JSON.parse(v) as ReviewHold) : undefined;
  }

  async list(): Promise<{ stack: string; hold: ReviewHold; ttlMs: number }[]> {
    const out: { stack: string; hold: ReviewHold; ttlMs: number }[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
      cursor = next;
      for (const k of keys) {
        const [v, ttl] = await Promise.all([this.redis.get(k), this.redis.pttl(k)]);
        if (v) out.push({ stack: k.slice(PREFIX.length), hold: JSON.parse(v) as ReviewHold, ttlMs: ttl });
      }
    } while (cursor !== '0');
    return out.sort((a, b) => a.stack.localeCompare(b.stack));
  }
}
