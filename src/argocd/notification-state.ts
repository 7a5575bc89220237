/**
 * The memory of what has been announced, in Redis — one module, one job (like
 * notifications-engine's pkg/controller/state.go). Each decision is one Lua script, so two
 * replicas asking at the same moment cannot both be told "owed".
 *
 * Keys (all of one app share the hash tag `{app id}`, so a script touches one slot):
 *   <p>:init                          epoch ms of the very first start (SET NX): the baseline line
 *   <p>:{app}:seen:<trigger>          this (app, trigger) has been evaluated before
 *   <p>:{app}:sent:<trigger>:<key>    'baseline' | 'announced' | 'pending:<owner>' (a lease)
 *
 * Rules (DESIGN.md, "Notifications: what exactly once means"):
 * - An (app, trigger) evaluated for the first time, for an app created before the very first
 *   start, is baseline: what holds is recorded, not announced.
 * - Otherwise a key not recorded is owed: the claimer gets a lease (pending), announces, and
 *   confirms (announced). If it dies before confirming, the lease runs out and the key is owed
 *   again — at-least-once in that window, so announce() should be idempotent by key.
 * - Keys are per operation, so a coalesced intermediate state never hides a later one.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TRIGGERS, type Trigger } from '../core/config/schema.js';
import { appIdentity, type Application } from './application.js';

export type ClaimOutcome =
  /** Announce it, then `confirm` (or `release` if announcing failed). */
  | 'owed'
  /** Recorded as the starting point; not announced. */
  | 'baseline'
  /** Already announced (or baselined). */
  | 'duplicate'
  /** Another claimer holds the lease right now; look again after `leaseMs`. */
  | 'busy'
  /** The trigger does not hold; only "seen" was recorded. */
  | 'none';

export interface NotificationStateOptions {
  prefix?: string;
  /** Records of keys no longer current expire after this; current ones are refreshed on each evaluation. Default 30 days. */
  ttlMs?: number;
  /** How long a claimer may take to announce before the key is owed again. Default 15 s. */
  leaseMs?: number;
  /** Who holds leases; default host:pid:random. */
  owner?: string;
}

// KEYS: seen1, sent1, seen2, sent2, …   ARGV: eligible, ttl, lease, owner, now, holds1, holds2, …
const CLAIM = `
local eligible = ARGV[1] == '1'
local ttl = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local owner = 'pending:' .. ARGV[4]
local out = {}
for i = 1, #KEYS / 2 do
  local seen = KEYS[2 * i - 1]
  local sent = KEYS[2 * i]
  local holds = ARGV[5 + i] == '1'
  local res = 'none'
  local first = redis.call('SET', seen, ARGV[5], 'NX')
  if first and eligible then
    if holds then
      redis.call('SET', sent, 'baseline', 'PX', ttl)
      res = 'baseline'
    end
  elseif holds then
    if redis.call('SET', sent, owner, 'NX', 'PX', lease) then
      res = 'owed'
    else
      local v = redis.call('GET', sent)
      if v and string.sub(v, 1, 8) == 'pending:' then
        res = 'busy'
      else
        redis.call('PEXPIRE', sent, ttl)
        res = 'duplicate'
      end
    end
  end
  out[i] = res
end
return out
`;

// KEYS: sent   ARGV: owner, value ('' = delete), ttl
const SETTLE = `
if redis.call('GET', KEYS[1]) ~= 'pending:' .. ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3])) end
return 1
`;

export interface Claim {
  trigger: Trigger;
  /** The once-per key when the trigger holds, undefined when it does not. */
  oncePer: string | undefined;
}

export class NotificationState {
  readonly prefix: string;
  readonly ttlMs: number;
  readonly leaseMs: number;
  readonly owner: string;
  private initAt: number | undefined;

  constructor(
    private readonly redis: Redis,
    opts: NotificationStateOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'opsbot:argocd:notify';
    this.ttlMs = opts.ttlMs ?? 30 * 24 * 3_600_000;
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** The time of the very first start (set now if there was none). Call before `claim`. */
  async init(now = Date.now()): Promise<number> {
    await this.redis.set(`${this.prefix}:init`, String(now), 'NX');
    const at = Number(await this.redis.get(`${this.prefix}:init`));
    this.initAt = Number.isFinite(at) ? at : now;
    return this.initAt;
  }

  /**
   * Decides, atomically, for each trigger of one app. `claims` should list every trigger that
   * is routed for the app, holding or not, so "seen" is recorded before it first holds.
   */
  async claim(app: Application, claims: Claim[]): Promise<ClaimOutcome[]> {
    if (claims.length === 0) return [];
    const initAt = this.initAt ?? (await this.init());
    const created = app.creationTimestamp ? Date.parse(app.creationTimestamp) : NaN;
    // An app with no parseable creation time is treated as old: baseline rather than a burst.
    const eligible = Number.isNaN(created) || created <= initAt;
    const keys = claims.flatMap((c) => [this.seenKey(app, c.trigger), this.sentKey(app, c.trigger, c.oncePer ?? '-')]);
    const argv = [
      eligible ? '1' : '0',
      String(this.ttlMs),
      String(this.leaseMs),
      this.owner,
      String(Date.now()),
      ...claims.map((c) => (c.oncePer ? '1' : '0')),
    ];
    const out = (await this.redis.eval(CLAIM, keys.length, ...keys, ...argv)) as string[];
    return out.map((o) => o as ClaimOutcome);
  }

  /** The announcement went out: keep the record (until it has not been current for `ttlMs`). */
  async confirm(app: Application, trigger: Trigger, oncePer: string): Promise<boolean> {
    return (await this.redis.eval(SETTLE, 1, this.sentKey(app, trigger, oncePer), this.owner, 'announced', String(this.ttlMs))) === 1;
  }

  /** Announcing failed: give the key back so it is owed again at the next evaluation. */
  async release(app: Application, trigger: Trigger, oncePer: string): Promise<boolean> {
    return (await this.redis.eval(SETTLE, 1, this.sentKey(app, trigger, oncePer), this.owner, '', '0')) === 1;
  }

  /** After an app is gone for good: its "seen" markers expire in a day (late replicas still agree meanwhile). */
  async forget(app: Application): Promise<void> {
    const day = 24 * 3_600_000;
    await Promise.all(TRIGGERS.map((t) => this.redis.pexpire(this.seenKey(app, t), day)));
  }

  private appTag(app: Application): string {
    return `{${appIdentity(app)}}`;
  }

  private seenKey(app: Application, trigger: Trigger): string {
    return `${this.prefix}:${this.appTag(app)}:seen:${trigger}`;
  }

  private sentKey(app: Application, trigger: Trigger, oncePer: string): string {
    return `${this.prefix}:${this.appTag(app)}:sent:${trigger}:${oncePer}`;
  }
}
