import type { AuditLog } from '../core/audit.js';
import type { Logger } from '../core/logger.js';
import { actorSubject, type Actor } from '../core/message.js';
import type { Command, Outcome } from './command.js';
import { slowDownText, type PersonLimit } from './rate-limits.js';
import type { CommandRouter } from './router.js';

/**
 * How a chat request becomes at most one command, the same on every platform that receives
 * requests from outside (Slack, Telegram): gate → per-person limit → dedupe → route → ack. The platform's intake
 * (adapters/<platform>/intake.ts) supplies the hooks: who may ask from where, how to tell a
 * refusal, what command a request carries, how to answer.
 *
 * Once or more (README, "What runs once"): a request is run at most once per identity — the
 * dedupe key is set (SET NX, one day) before the command runs, so a platform's retry or a
 * replay runs nothing. When Redis cannot answer the dedupe, the request is let through: the
 * router then fails to queue (same Redis) and says so, instead of the request vanishing.
 */
export interface Arrival {
  actor: Actor;
  /** Where it was asked, as the audit names it (`T0123/C0456`, a Telegram chat id). */
  place: string;
  /** Redis key that marks this request as handled: the same request delivered twice runs once. */
  dedupeKey: string;
}

/** What a request comes to: a command for the router, or an answer the platform gave itself. */
export type Routed<R> = { command: Command } | { answer: R };

export interface IntakeHooks<A extends Arrival, R> {
  readonly platform: 'slack' | 'telegram';
  /**
   * Whether a refusal writes an audit entry (`<platform>.request`, denied). Yes where only
   * members of a served organisation can reach opsbot (a Slack workspace that installed the
   * app). No where anyone can (any Telegram user can message a bot): strangers could otherwise
   * flush the bounded audit stream; their refusals are logged instead.
   */
  readonly auditRefusals: boolean;
  /** Why a request from there may not run here; undefined when it may. */
  gate(arrival: A): string | undefined;
  /** Tell the asker it was refused (the refusal is audited already). */
  refuse(arrival: A, reason: string): Promise<R>;
  /** Seen before (a platform retry, a replay): what to answer, running nothing. */
  repeated(arrival: A): R;
  /** Past the person's command limit, the first time this window: tell them (later ones get `repeated`). */
  slowDown(arrival: A, text: string): Promise<R>;
  route(arrival: A): Promise<Routed<R>>;
  /** Answer with the router's outcome: the ack. */
  ack(arrival: A, outcome: Outcome): Promise<R>;
}

/** The one Redis call the dedupe makes. */
export interface SeenRequests {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Platforms retry within minutes (Slack: 3 times; Telegram: while a webhook fails); a day is plenty. */
const SEEN_TTL_S = 24 * 3600;

export class Intake {
  constructor(
    private readonly deps: {
      router: Pick<CommandRouter, 'handle'>;
      redis: SeenRequests;
      audit: Pick<AuditLog, 'append'>;
      log: Logger;
      limit?: Pick<PersonLimit, 'take' | 'name' | 'perMinute'>;
    },
  ) {}

  async handle<A extends Arrival, R>(hooks: IntakeHooks<A, R>, arrival: A): Promise<R> {
    const reason = hooks.gate(arrival);
    if (reason !== undefined) {
      if (!hooks.auditRefusals) {
        this.deps.log.info({ platform: hooks.platform, place: arrival.place, reason }, 'request refused');
        return hooks.refuse(arrival, reason);
      }
      await this.deps.audit
        .append({
          actor: actorSubject(arrival.actor),
          platform: hooks.platform,
          action: `${hooks.platform}.request`,
          target: arrival.place,
          result: 'denied',
          detail: reason,
        })
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'audit entry not written'));
      return hooks.refuse(arrival, reason);
    }
    // Before the dedupe, whose key (one a request, kept a day) a flood would otherwise multiply;
    // a platform's rare retry costs one more from the limit. Before any parsing or routing.
    const limit = this.deps.limit;
    const verdict = limit ? await limit.take(actorSubject(arrival.actor)) : { allowed: true as const };
    if (!verdict.allowed) {
      // One reply and one audit entry per person and window, whatever the flood: then silence.
      if (!verdict.first) return hooks.repeated(arrival);
      const text = slowDownText(limit!, verdict.retryAfterS);
      await this.deps.audit
        .append({
          actor: actorSubject(arrival.actor),
          platform: hooks.platform,
          action: `${hooks.platform}.request`,
          target: arrival.place,
          result: 'limited',
          detail: text,
        })
        .catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message }, 'audit entry not written'));
      return hooks.slowDown(arrival, text);
    }
    if (!(await this.firstSeen(arrival.dedupeKey))) return hooks.repeated(arrival);
    const routed = await hooks.route(arrival);
    if ('answer' in routed) return routed.answer;
    return hooks.ack(arrival, await this.deps.router.handle(routed.command));
  }

  private async firstSeen(key: string): Promise<boolean> {
    try {
      return (await this.deps.redis.set(key, '1', 'EX', SEEN_TTL_S, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }
}
