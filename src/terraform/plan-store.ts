import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Actor, ConversationRef } from '../core/message.js';
import { actorSubject } from '../core/message.js';
import type { PlanSource } from './plan-source.js';
import type { PlanSummary } from './plan-summary.js';
import { APPROVE, CLAIM, REJECT, RELEASE } from './plan-store-scripts.js';

/**
 * Saved plans in Redis, so any worker can apply what any other planned: the plan file's bytes
 * and SHA-256, the commit it was made from, who asked, the summary, the state and the
 * approvals. The plan file expires with the plan's lifetime (`planTtl`); the record stays a
 * day longer so "expired" can be told apart from "never existed".
 */

export type PlanState = 'pending' | 'approved' | 'applying' | 'applied' | 'failed' | 'rejected' | 'superseded';

export interface StoredPlan {
  id: string;
  stack: string;
  requester: Actor;
  conversation: ConversationRef;
  createdAt: number;
  expiresAt: number;
  commit: string | null;
  sha256: string;
  summary: PlanSummary;
  varFiles: string[];
  /** A branch or pull request other than the stack's branch; absent: the stack's branch. */
  source?: PlanSource;
  state: PlanState;
  approvers: string[];
  applyJob?: string;
  decidedBy?: string;
}

export type ApprovalResult =
  | { kind: 'start'; approvals: number }
  | { kind: 'recorded'; approvals: number }
  /** `as`: the account this person approved with (maybe another of theirs). */
  | { kind: 'already'; approvals: number; as: string }
  | { kind: 'superseded'; by: string }
  | { kind: 'rejected'; by: string }
  /** `requester`: the account the plan was made from (maybe another of the approver's). */
  | { kind: 'own'; requester: string }
  | { kind: 'missing' | 'expired' }
  | { kind: 'approved' | 'applying' | 'applied' | 'failed'; job: string };

/** 8 characters of RFC 4648 base32 (40 bits): "infra apply <id>" stays far below Telegram's 64-byte callback_data. */
export const PLAN_ID_PATTERN = /^[a-z2-7]{8}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** The record outlives the plan file by a day, to say "expired" rather than "unknown". */
const RECORD_GRACE_MS = 24 * 3600_000;
/** The file outlives the approval window a little, so an apply approved at the last second still finds it. */
const FILE_GRACE_MS = 10 * 60_000;

const planKey = (id: string) => `opsbot:plan:${id}`;
const fileKey = (id: string) => `opsbot:plan:${id}:file`;
const approversKey = (id: string) => `opsbot:plan:${id}:approvers`;
const latestKey = (stack: string) => `opsbot:stack:${stack}:plan`;

export function newPlanId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (let i = 0; i < 8; i++) id += ALPHABET[bytes[i]! & 31];
  return id;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class PlanStore {
  constructor(private readonly redis: Redis) {}

  /** Saves a plan and makes it the stack's latest: any older plan of the stack is superseded. */
  async save(plan: { stack: string; requester: Actor; conversation: ConversationRef; commit: string | null; summary: PlanSummary; varFiles: string[]; source?: PlanSource; ttlMs: number }, file: Buffer): Promise<StoredPlan> {
    const id = newPlanId();
    const now = Date.now();
    const stored: StoredPlan = { ...plan, id, createdAt: now, expiresAt: now + plan.ttlMs, sha256: sha256(file), state: 'pending', approvers: [] };
    const recordTtl = plan.ttlMs + RECORD_GRACE_MS;
    // Writes only, no reads: MULTI is atomic enough, and the pointer flip is what supersedes.
    await this.redis
      .multi()
      .hset(planKey(id), {
        stack: plan.stack,
        requester: JSON.stringify(plan.requester),
        requesterSubject: actorSubject(plan.requester),
        conversation: JSON.stringify(plan.conversation),
        created: String(now),
        expires: String(stored.expiresAt),
        commit: plan.commit ?? '',
        sha256: stored.sha256,
        summary: JSON.stringify(plan.summary),
        varFiles: JSON.stringify(plan.varFiles),
        source: plan.source ? JSON.stringify(plan.source) : '',
        state: 'pending',
      })
      .pexpire(planKey(id), recordTtl)
      .set(fileKey(id), file, 'PX', plan.ttlMs + FILE_GRACE_MS)
      .set(latestKey(plan.stack), id, 'PX', recordTtl)
      .exec();
    return stored;
  }

  async get(id: string): Promise<StoredPlan | undefined> {
    const [h, approvers] = await Promise.all([this.redis.hgetall(planKey(id)), this.redis.smembers(approversKey(id))]);
    if (!h.stack) return undefined;
    return {
      id,
      stack: h.stack,
      requester: JSON.parse(h.requester ?? '{}') as Actor,
      conversation: JSON.parse(h.conversation ?? '{}') as ConversationRef,
      createdAt: Number(h.created),
      expiresAt: Number(h.expires),
      commit: h.commit || null,
      sha256: h.sha256 ?? '',
      summary: JSON.parse(h.summary ?? '{}') as PlanSummary,
      varFiles: JSON.parse(h.varFiles ?? '[]') as string[],
      ...(h.source ? { source: JSON.parse(h.source) as PlanSource } : {}),
      state: (h.state ?? 'pending') as PlanState,
      approvers,
      applyJob: h.applyJob || undefined,
      decidedBy: h.decidedBy || undefined,
    };
  }

  /** The plan file, or undefined when it has expired. */
  async file(id: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(fileKey(id))) ?? undefined;
  }

  async latest(stack: string): Promise<string | undefined> {
    return (await this.redis.get(latestKey(stack))) ?? undefined;
  }

  /** `people`: account → person (Policy.people()); approvals and four eyes count people. */
  async approve(plan: Pick<StoredPlan, 'id' | 'stack'>, subject: string, rules: { required: number; requesterMayApprove: boolean; people?: Record<string, string> }): Promise<ApprovalResult> {
    const [kind, extra, as] = (await this.redis.eval(
      APPROVE, 3, planKey(plan.id), approversKey(plan.id), latestKey(plan.stack),
      plan.id, subject, String(Date.now()), String(rules.required), rules.requesterMayApprove ? '1' : '0', JSON.stringify(rules.people ?? {}),
    )) as [string, string, string?];
    switch (kind) {
      case 'start':
      case 'recorded':
        return { kind, approvals: Number(extra) };
      case 'already':
        return { kind, approvals: Number(extra), as: as ?? subject };
      case 'superseded':
      case 'rejected':
        return { kind, by: extra };
      case 'own':
        return { kind, requester: extra };
      case 'missing':
      case 'expired':
        return { kind };
      default:
        return { kind: kind as 'approved' | 'applying' | 'applied' | 'failed', job: extra };
    }
  }

  async reject(id: string, subject: string): Promise<{ state: PlanState | 'missing'; by: string }> {
    const [state, by] = (await this.redis.eval(REJECT, 1, planKey(id), subject)) as [PlanState | 'missing', string];
    return { state, by };
  }

  /** The apply job takes the plan: exactly once, and only while it is still the stack's latest. */
  async claim(plan: Pick<StoredPlan, 'id' | 'stack'>, jobId: string): Promise<{ state: PlanState | 'missing'; extra: string }> {
    const [state, extra] = (await this.redis.eval(CLAIM, 3, planKey(plan.id), approversKey(plan.id), latestKey(plan.stack), plan.id, jobId)) as [PlanState | 'missing', string];
    return { state, extra };
  }

  async setApplyJob(id: string, jobId: string): Promise<void> {
    await this.redis.hset(planKey(id), 'applyJob', jobId);
  }

  /** Back to pending (approvals cleared) when an approved apply could not start. */
  async release(id: string): Promise<void> {
    await this.redis.eval(RELEASE, 2, planKey(id), approversKey(id));
  }

  async finish(id: string, state: 'applied' | 'failed'): Promise<void> {
    await this.redis.hset(planKey(id), 'state', state);
  }
}
