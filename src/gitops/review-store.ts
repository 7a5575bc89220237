import type { Redis } from 'ioredis';

/**
 * Pull requests of protected deploys waiting for a decision, in Redis so that the approval can
 * arrive at any bot replica and the merge run on any worker. The decision is one atomic step:
 * of two people clicking at once, exactly one wins.
 */
export interface Review {
  id: string;
  /** The app, or for a group deploy its label (`bots`, `web,api`). */
  app: string;
  /** A group deploy's apps, in one pull request: the decider needs the action on each. */
  apps?: string[];
  env: string;
  ref: string;
  branch: string;
  pr: number;
  url: string;
  /** The commit opsbot pushed to the branch: the only head the approval may merge. */
  headSha: string;
  /** `platform:id` of who asked for the deploy. */
  requester: string;
  state: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  /** The access action a decider needs on the app and environment (default `deploy`). */
  action?: 'deploy' | 'config';
}

const key = (id: string) => `opsbot:review:${id}`;
const TTL_S = 14 * 24 * 3600;

/** pending → approved|rejected, once; returns the state it found. */
const DECIDE = `
local state = redis.call('hget', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'pending' then return state end
redis.call('hset', KEYS[1], 'state', ARGV[1], 'decidedBy', ARGV[2])
return 'pending'`;

export class ReviewStore {
  constructor(private readonly redis: Redis) {}

  async put(review: Review): Promise<void> {
    // App names never hold a comma (the config's name rule): a list is stored joined by one.
    const fields = Object.entries(review).flatMap(([k, v]) => (v === undefined ? [] : [k, Array.isArray(v) ? v.join(',') : String(v)]));
    await this.redis.multi().hset(key(review.id), ...fields).expire(key(review.id), TTL_S).exec();
  }

  async get(id: string): Promise<Review | undefined> {
    const h = await this.redis.hgetall(key(id));
    if (!h.id) return undefined;
    return { ...(h as unknown as Review), pr: Number(h.pr), ...(h.apps ? { apps: h.apps.split(',') } : {}) };
  }

  /** Decide atomically. `won` is false when someone decided first (or the review is gone). */
  async decide(id: string, decision: 'approved' | 'rejected', by: string): Promise<{ won: boolean; found: string }> {
    const found = String(await this.redis.eval(DECIDE, 1, key(id), decision, by));
    return { won: found === 'pending', found };
  }
}
