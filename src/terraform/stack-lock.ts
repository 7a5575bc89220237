import type { Redis } from 'ioredis';
import { acquireLock, lockHolder, type HeldLock } from '../core/redis-lock.js';
import { isOpsbotError, OpsbotError } from '../core/errors.js';

/**
 * At most one plan or apply per stack across every worker: a Redis lease per stack
 * (`opsbot:lock:stack:<name>`, renewed while held, so a dead worker's lock expires). The
 * holder names the job, its kind, the requester and the time it was taken, so a second
 * request can be told who holds the stack and since when.
 */

export interface StackLockHolder {
  job: string;
  kind: string;
  by: string;
  since: number;
}

export interface StackLockEntry {
  stack: string;
  holder?: StackLockHolder;
  /** Milliseconds until it expires unless renewed. */
  ttlMs: number;
}

const PREFIX = 'opsbot:lock:stack:';
/** Short lease, renewed every third of it: a dead worker's stack is free again within 30 s. */
export const STACK_LOCK_TTL_MS = 30_000;
const UNLOCK = `local v = redis.call('get', KEYS[1]) if v then redis.call('del', KEYS[1]) end return v`;

export const stackLockKey = (stack: string) => `${PREFIX}${stack}`;

/** The lock value is `<nonce>:<holder>` (acquireLock), so the holder must not contain ':'. */
export function encodeHolder(h: StackLockHolder): string {
  const clean = (s: string) => s.replace(/[:|\s]/g, '_');
  return [clean(h.job), clean(h.kind), clean(h.by), String(h.since)].join('|');
}

export function decodeHolder(text: string | undefined): StackLockHolder | undefined {
  const [job, kind, by, since] = (text ?? '').split('|');
  if (!job || !kind || !by || !since) return undefined;
  return { job, kind, by, since: Number(since) };
}

export function describeHolder(stack: string, h: StackLockHolder | undefined, now = Date.now()): string {
  if (!h) return `Stack ${stack} is busy with another job.`;
  const verb = h.kind === 'apply' ? 'applying' : h.kind === 'force-unlock' ? 'force-unlocking' : 'planning';
  return `Stack ${stack} is busy: job ${h.job} (${h.by}) has been ${verb} it since ${new Date(h.since).toISOString()} (${ago(now - h.since)} ago).`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

export class StackLocks {
  constructor(private readonly redis: Redis) {}

  async holder(stack: string): Promise<StackLockHolder | undefined> {
    const key = stackLockKey(stack);
    if (!(await this.redis.exists(key))) return undefined;
    return decodeHolder(await lockHolder(this.redis, key)) ?? { job: '?', kind: '?', by: 'unknown', since: Date.now() };
  }

  /** Waits up to `waitMs` (the stack's lockTimeout); then fails naming the holder. */
  async acquire(stack: string, holder: StackLockHolder, opts: { waitMs: number; signal?: AbortSignal }): Promise<HeldLock> {
    try {
      return await acquireLock(this.redis, stackLockKey(stack), { ttlMs: STACK_LOCK_TTL_MS, waitMs: opts.waitMs, signal: opts.signal, holder: encodeHolder(holder) });
    } catch (err) {
      if (isOpsbotError(err) && err.code === 'E_LOCK_TIMEOUT') {
        throw new OpsbotError('E_STACK_LOCKED', `${describeHolder(stack, await this.holder(stack))} Waited ${Math.round(opts.waitMs / 1000)} s; try again when it has finished.`);
      }
      throw err;
    }
  }

  async list(): Promise<StackLockEntry[]> {
    const out: StackLockEntry[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
      cursor = next;
      for (const key of keys) {
        // `<lock>:fence` counters, which earlier builds kept beside each lock, are not locks.
        if (key.endsWith(':fence')) continue;
        const [value, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
        if (value === null) continue;
        out.push({ stack: key.slice(PREFIX.length), holder: decodeHolder(value.split(':')[1]), ttlMs: ttl });
      }
    } while (cursor !== '0');
    return out.sort((a, b) => a.stack.localeCompare(b.stack));
  }

  /** Frees a stuck lock (admins). Returns who held it. One script: get and delete together. */
  async forceUnlock(stack: string): Promise<StackLockHolder | null | undefined> {
    const value = (await this.redis.eval(UNLOCK, 1, stackLockKey(stack))) as string | null;
    if (value === null) return null;
    return decodeHolder(value.split(':')[1]);
  }
}
