import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';
import { actorSubject } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { JobQueue } from './commands/spec.js';

export type LimitVerdict =
  { allowed: true } | { allowed: false; /** The first refusal of this window: the one that is answered. */ first: boolean; retryAfterS: number };

/** Per minute: what `limits.*PerMinute` count. */
const WINDOW_S = 60;

/**
 * One per-person limit (commands, or jobs), a fixed one-minute window counted in Redis by
 * rate-limiter-flexible (one Lua script per take: atomic across bot replicas). One key per
 * person, expiring with its window, so a flood adds one key, not one per message.
 */
export class PersonLimit {
  private readonly limiter?: RateLimiterRedis;

  constructor(
    redis: Redis,
    readonly name: 'commands' | 'jobs',
    readonly perMinute: number,
    private readonly personOf: (subject: string) => string,
    private readonly metrics?: Pick<Metrics, 'rateLimited'>,
  ) {
    // Not ready: answer at once (fail open, below) rather than queue the call behind a reconnect.
    if (perMinute > 0)
      this.limiter = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `opsbot:limit:${name}`,
        points: perMinute,
        duration: WINDOW_S,
        rejectIfRedisNotReady: true,
      });
  }

  /** Count one for the person behind `subject` (`platform:id`). */
  async take(subject: string): Promise<LimitVerdict> {
    if (!this.limiter) return { allowed: true };
    try {
      await this.limiter.consume(this.personOf(subject));
      return { allowed: true };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        // Redis cannot count: let it through. What follows needs the same Redis and says so.
        return { allowed: true };
      }
      this.metrics?.rateLimited.inc({ limit: this.name });
      return { allowed: false, first: err.consumedPoints === this.perMinute + 1, retryAfterS: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    }
  }
}

/** The limits of `limits:` in the config, on one Redis. */
export class RateLimits {
  readonly commands: PersonLimit;
  readonly jobs: PersonLimit;

  constructor(redis: Redis, limits: Config['limits'], personOf: (subject: string) => string, metrics?: Pick<Metrics, 'rateLimited'>) {
    this.commands = new PersonLimit(redis, 'commands', limits.commandsPerMinute, personOf, metrics);
    this.jobs = new PersonLimit(redis, 'jobs', limits.jobsPerMinute, personOf, metrics);
  }
}

export function slowDownText(limit: Pick<PersonLimit, 'name' | 'perMinute'>, retryAfterS: number): string {
  const what = limit.name === 'commands' ? `${limit.perMinute} commands a minute` : `${limit.perMinute} jobs a minute`;
  return `Slow down: opsbot takes at most ${what} from one person (limits.${limit.name}PerMinute). Nothing was run; try again in ${retryAfterS} s.`;
}

/** The job queue as commands see it, with each person's enqueues counted against `limit`. */
export function limitedQueue(queue: JobQueue, limit: PersonLimit): JobQueue {
  return {
    summary: (id) => queue.summary(id),
    recent: (n) => queue.recent(n),
    cancel: (id) => queue.cancel(id),
    conversationOf: (id) => queue.conversationOf(id),
    async enqueue(kind, payload, meta) {
      const verdict = await limit.take(actorSubject(meta.requester));
      if (!verdict.allowed) throw new OpsbotError('E_RATE_LIMITED', slowDownText(limit, verdict.retryAfterS));
      return queue.enqueue(kind, payload, meta);
    },
  };
}
