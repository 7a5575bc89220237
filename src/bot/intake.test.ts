import { describe, expect, it } from 'vitest';
import type { Command, Outcome } from './command.js';
import { Intake, type Arrival, type IntakeHooks } from './intake.js';
import { alice, FakeAudit, silentLog } from '../../test/support/fakes.js';

/** A Redis SET NX in memory, or one that is down. */
function seen(down = false) {
  const keys = new Set<string>();
  return {
    keys,
    set: async (key: string) => {
      if (down) throw new Error('connection is closed');
      if (keys.has(key)) return null;
      keys.add(key);
      return 'OK' as const;
    },
  };
}

/** A per-person limit of `n` in memory (the real one, on Redis, is proven in test/security/flood.test.ts). */
function limitOf(n: number) {
  const taken = new Map<string, number>();
  return {
    name: 'commands' as const,
    perMinute: n,
    take: async (subject: string) => {
      const count = (taken.get(subject) ?? 0) + 1;
      taken.set(subject, count);
      return count <= n ? { allowed: true as const } : { allowed: false as const, first: count === n + 1, retryAfterS: 42 };
    },
  };
}

function rig(opts: { gate?: string; audit?: boolean; redisDown?: boolean; answerItself?: boolean; limit?: number } = {}) {
  const said: string[] = [];
  const routed: string[] = [];
  const audit = new FakeAudit();
  const redis = seen(opts.redisDown);
  const router = { handle: async (c: Command): Promise<Outcome> => (routed.push(c.text), { kind: 'reply', message: { text: `ran ${c.text}` } }) };
  const intake = new Intake({ router, redis, audit, log: silentLog, ...(opts.limit !== undefined ? { limit: limitOf(opts.limit) } : {}) });
  const hooks: IntakeHooks<Arrival & { text: string }, string> = {
    platform: 'slack',
    auditRefusals: opts.audit ?? true,
    gate: () => opts.gate,
    refuse: async (_a, reason) => `refused: ${reason}`,
    repeated: () => 'seen before',
    slowDown: async (_a, text) => `slow down: ${text}`,
    route: async (a) =>
      opts.answerItself
        ? { answer: 'answered by the platform' }
        : { command: { actor: a.actor, conversation: { platform: 'slack', channel: 'C1' }, text: a.text } },
    ack: async (_a, outcome) => `ack: ${outcome.message.text}`,
  };
  const send = (id: string, text = 'jobs') => intake.handle(hooks, { actor: alice, place: 'T1/C1', dedupeKey: `k:${id}`, text });
  return { send, said, routed, audit, redis };
}

describe('intake pipeline: gate → limit → dedupe → route → ack', () => {
  it('runs a request through the router once, whatever the retries', async () => {
    const { send, routed } = rig();
    expect(await send('a')).toBe('ack: ran jobs');
    expect(await send('a')).toBe('seen before');
    expect(routed).toEqual(['jobs']);
  });

  it('a refusal is audited (where the platform says so) and runs nothing, not even the dedupe', async () => {
    const { send, routed, audit, redis } = rig({ gate: 'not here' });
    expect(await send('a')).toBe('refused: not here');
    expect(audit.entries).toEqual([
      { actor: 'console:alice', platform: 'slack', action: 'slack.request', target: 'T1/C1', result: 'denied', detail: 'not here' },
    ]);
    expect(routed).toEqual([]);
    expect(redis.keys.size).toBe(0);
  });

  it('a platform anyone can reach refuses without an audit entry', async () => {
    const { send, audit } = rig({ gate: 'not here', audit: false });
    expect(await send('a')).toBe('refused: not here');
    expect(audit.entries).toEqual([]);
  });

  it('Redis down at the dedupe: the request goes through (the router then says what it can)', async () => {
    const { send, routed } = rig({ redisDown: true });
    expect(await send('a')).toBe('ack: ran jobs');
    expect(routed).toEqual(['jobs']);
  });

  it('past the limit: one "slow down" reply and one audit entry, then silence; no dedupe key per limited request', async () => {
    const { send, routed, audit, redis } = rig({ limit: 2 });
    expect(await send('a')).toBe('ack: ran jobs');
    expect(await send('b')).toBe('ack: ran jobs');
    expect(await send('c')).toBe(
      'slow down: Slow down: opsbot takes at most 2 commands a minute from one person (limits.commandsPerMinute). Nothing was run; try again in 42 s.',
    );
    expect(await send('d')).toBe('seen before');
    expect(await send('e')).toBe('seen before');
    expect(routed).toEqual(['jobs', 'jobs']);
    expect([...redis.keys]).toEqual(['k:a', 'k:b']);
    expect(audit.entries.filter((e) => e.result === 'limited')).toEqual([
      expect.objectContaining({ actor: 'console:alice', action: 'slack.request', target: 'T1/C1' }),
    ]);
  });

  it('a platform may answer without the router', async () => {
    const { send, routed } = rig({ answerItself: true });
    expect(await send('a')).toBe('answered by the platform');
    expect(routed).toEqual([]);
  });
});
