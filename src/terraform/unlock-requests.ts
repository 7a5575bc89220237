import type { Redis } from 'ioredis';
import type { Actor } from '../core/message.js';

/**
 * Pending requests to force-unlock Terraform's state lock of a stack (`/infra force-unlock`),
 * one per stack and lock id, until an approver other than the requester confirms it or the
 * request expires. Confirming takes the request in one step, so two approvers at once start
 * one force-unlock.
 */

export interface UnlockRequest {
  stack: string;
  lockId: string;
  /** None of this person's accounts may confirm it. */
  requester: Actor;
  at: number;
}

/** How long a request waits for its approver. */
export const UNLOCK_REQUEST_TTL_MS = 60 * 60_000;

const key = (stack: string, lockId: string) => `opsbot:force-unlock:${stack}:${lockId}`;

/** ARGV: request JSON, ttl ms. Records it unless one is pending; returns the pending one. */
const ASK = `
local v = redis.call('get', KEYS[1])
if v then return v end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;
const TAKE = `local v = redis.call('get', KEYS[1]) if v then redis.call('del', KEYS[1]) end return v`;

export class UnlockRequests {
  constructor(private readonly redis: Redis) {}

  /** Records a request; undefined when it is new, else the request already pending for this lock. */
  async ask(req: UnlockRequest, ttlMs = UNLOCK_REQUEST_TTL_MS): Promise<UnlockRequest | undefined> {
    const v = (await this.redis.eval(ASK, 1, key(req.stack, req.lockId), JSON.stringify(req), String(ttlMs))) as string | null;
    return v ? (JSON.parse(v) as UnlockRequest) : undefined;
  }

  async get(stack: string, lockId: string): Promise<UnlockRequest | undefined> {
    const v = await this.redis.get(key(stack, lockId));
    return v ? (JSON.parse(v) as UnlockRequest) : undefined;
  }

  /** Removes and returns the pending request: only one confirmer gets it. */
  async take(stack: string, lockId: string): Promise<UnlockRequest | undefined> {
    const v = (await this.redis.eval(TAKE, 1, key(stack, lockId))) as string | null;
    return v ? (JSON.parse(v) as UnlockRequest) : undefined;
  }
}
