import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Backoff, sleep } from './backoff.js';
import { OpsbotError } from './errors.js';

/** Delete the key only if we still own it: one script, so no other holder's lock is ever freed. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extend only our own lock. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  /**
   * False once the lock was lost (expired and taken by someone else), or may have been: no
   * renewal confirmed within `ttlMs - marginMs` (a process starved of CPU learns it late).
   */
  held(marginMs?: number): boolean;
  release(): Promise<void>;
}

/**
 * A lease in Redis (`SET NX PX`), renewed while held, so a holder that dies frees it after
 * `ttlMs`. The value is `<nonce>:<holder>`: the nonce makes it ours alone (release and renew
 * check it), the holder is what "held by" replies show (`lockHolder`).
 */
export async function acquireLock(
  redis: Redis,
  key: string,
  opts: { ttlMs: number; waitMs: number; signal?: AbortSignal; holder?: string; pollMaxMs?: number },
): Promise<HeldLock> {
  const deadline = Date.now() + opts.waitMs;
  const value = `${randomBytes(6).toString('hex')}:${opts.holder ?? ''}`;
  const poll = new Backoff({ baseMs: 20, maxMs: opts.pollMaxMs ?? 500 });
  // When the lock is surely ours until (+ ttlMs): the time a SET or renewal was sent that Redis then confirmed.
  let confirmedAt: number;
  for (;;) {
    if (opts.signal?.aborted) throw new OpsbotError('E_CANCELLED', 'cancelled while waiting for a lock');
    confirmedAt = Date.now();
    if ((await redis.set(key, value, 'PX', opts.ttlMs, 'NX')) === 'OK') break;
    if (Date.now() > deadline) {
      const current = await redis.get(key);
      throw new OpsbotError(
        'E_LOCK_TIMEOUT',
        `waited ${Math.round(opts.waitMs / 1000)} s for ${key} (held by ${current?.split(':')[1] || 'another worker'})`,
      );
    }
    await sleep(poll.next());
  }
  let lost = false;
  const timer = setInterval(
    () => {
      const sentAt = Date.now();
      redis.eval(RENEW, 1, key, value, String(opts.ttlMs)).then(
        (ok) => {
          if (ok === 0) lost = true;
          else confirmedAt = Math.max(confirmedAt, sentAt);
        },
        () => undefined,
      );
    },
    Math.max(100, Math.floor(opts.ttlMs / 3)),
  );
  timer.unref();
  return {
    held: (marginMs = 0) => !lost && Date.now() - confirmedAt < opts.ttlMs - marginMs,
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, value).catch(() => undefined);
    },
  };
}

/** Peek at who holds a lock (for "held by X since Y" replies). */
export async function lockHolder(redis: Redis, key: string): Promise<string | undefined> {
  const v = await redis.get(key);
  return v?.split(':')[1] || undefined;
}
