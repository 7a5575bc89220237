import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { finalMessage, startSlackRig, type SlackRig } from '../slack/slack-harness.js';
import { SKIP_REASON, TOFU, haveTofu, stackRepo } from '../terraform/stacks.js';
import { startRedis } from '../support/redis.js';
import { PlanStore } from '../../src/terraform/plan-store.js';
import type { PlanSummary } from '../../src/terraform/plan-summary.js';

/** One human, Ann, with a Slack account and a console login; Bob likewise; Carol is listed nowhere. */
const PEOPLE = { ann: ['slack:U0ANN', 'console:ann'], bob: ['slack:U0BOB', 'console:bob'] };

/**
 * Four eyes on one face: Ann plans on Slack and approves from her other account, or approves
 * twice, once per account. Plans count people, not accounts: both are refused, nothing is
 * applied, and a second person still completes the approval.
 */
describe.skipIf(!haveTofu)(
  `approvals count people, not chat accounts (Slack + console, real tofu)${haveTofu ? '' : ` — skipped: ${SKIP_REASON}`}`,
  { timeout: SUITE_TIMEOUT },
  () => {
    let rig: SlackRig;
    let client: Redis;
    let consoleEnv: NodeJS.ProcessEnv;
    const approvers = ['person:ann', 'person:bob', 'console:carol'];
    const tail = stringify({
      people: PEOPLE,
      stacks: {
        solo: { repo: stackRepo(), dir: 'infra', approvers },
        pair: { repo: stackRepo(), dir: 'infra', approvers, approvalsRequired: 2 },
      },
      access: { rules: [{ subjects: approvers, actions: ['infra.plan', 'infra.approve', 'jobs'] }] },
    });

    beforeAll(async () => {
      rig = await startSlackRig({ configTail: tail, env: async () => ({ TF_BINARY: TOFU }) });
      client = rig.client;
      // The console shares the bot's Redis and reads the same config.
      consoleEnv = baseEnv({ REDIS_URL: rig.redis.url, OPSBOT_CONFIG: writeConfig(`gitops: { url: ${rig.repo.bare} }\n${tail}`) });
    }, 60_000);
    afterAll(async () => {
      await rig?.close();
    });

    const asConsole = (name: string, line: string) =>
      runOpsbot(['console', '--no-workers', '--as', name, '--exec', line], { env: consoleEnv, timeoutMs: 120_000 });
    const queued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);
    const planFromSlack = async (stack: string, user: string): Promise<string> => {
      const ack = await rig.slash('/infra', `plan ${stack}`, { user });
      expect(ack.status).toBe(200);
      const posted = await finalMessage(rig, new RegExp(`Plan for stack ${stack}`), `plan of ${stack} posted`);
      const id = /infra apply ([a-z2-7]{8})/.exec(JSON.stringify(posted.blocks))?.[1];
      expect(id, JSON.stringify(posted)).toBeDefined();
      return id!;
    };

    it("a plan made on Slack cannot be approved from the same person's console account", async () => {
      const id = await planFromSlack('solo', 'U0ANN');
      const before = await queued();
      const own = await asConsole('ann', `/infra apply ${id}`);
      expect(own.code).toBe(2);
      expect(own.stdout).toContain(`Denied: you requested plan ${id} as slack:U0ANN, another account of person:ann; someone else must approve it`);
      expect(await queued()).toBe(before);
      expect(await client.hget(`opsbot:plan:${id}`, 'state')).toBe('pending');
      const audit = (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));
      expect(audit.some((a) => a.includes('infra.approve') && a.includes(`plan ${id}`) && a.includes('denied') && a.includes('console:ann'))).toBe(
        true,
      );
    });

    it('one person counts once toward approvalsRequired, whichever accounts they use; a second person starts the apply', async () => {
      const id = await planFromSlack('pair', 'U0BOB');
      const first = await rig.slash('/infra', `apply ${id}`, { user: 'U0ANN' });
      expect(first.json?.text).toContain(`Approval 1 of 2 recorded for plan ${id}`);
      const before = await queued();
      const twice = await asConsole('ann', `/infra apply ${id}`);
      expect(twice.stdout).toContain(
        `You have already approved plan ${id} as slack:U0ANN, another account of person:ann (1 of 2 approvals); it needs another approver.`,
      );
      expect(await queued()).toBe(before);
      expect(await client.hget(`opsbot:plan:${id}`, 'state')).toBe('pending');
      // Bob planned it: his console account may not be the second approver either.
      const bob = await asConsole('bob', `/infra apply ${id}`);
      expect(bob.stdout).toContain('another account of person:bob');
      expect(await queued()).toBe(before);

      // Carol is listed nowhere: her account is a person of its own, and the second approver.
      const carol = await asConsole('carol', `/infra apply ${id}`);
      expect(carol.code, carol.stdout).toBe(0);
      expect(carol.stdout).toContain(`Plan ${id} approved by carol (2 of 2)`);
      expect(carol.stdout).toContain('✔ Applied: stack pair');
      expect(await client.smembers(`opsbot:plan:${id}:approvers`)).toEqual(expect.arrayContaining(['slack:U0ANN', 'console:carol']));
    });
  },
);

/** The decision is one Lua script: two accounts of one person approving at the same instant count once. */
describe('PlanStore.approve counts people atomically (real Redis)', () => {
  it('both of Ann\'s accounts at once: one approval recorded, the other "already"; the requester\'s other account is refused', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url);
    try {
      const store = new PlanStore(client);
      const people = { 'slack:U0ANN': 'person:ann', 'console:ann': 'person:ann', 'slack:U0BOB': 'person:bob', 'console:bob': 'person:bob' };
      const summary = {
        counts: { create: 1, update: 0, replace: 0, destroy: 0, read: 0, forget: 0, noop: 0 },
        groups: [],
        destructive: false,
        noChanges: false,
        outputs: [],
        drift: { addresses: [], more: 0 },
        errored: false,
        applyable: true,
      } satisfies PlanSummary;
      const plan = await store.save(
        {
          stack: 'pair',
          requester: { platform: 'slack', id: 'U0BOB', displayName: 'bob' },
          conversation: { platform: 'console', channel: 'c' },
          commit: null,
          summary,
          varFiles: [],
          ttlMs: 60_000,
        },
        Buffer.from('plan'),
      );
      const rules = { required: 2, requesterMayApprove: false, people };
      for (let round = 0; round < 20; round++) {
        await client.del(`opsbot:plan:${plan.id}:approvers`);
        const results = await Promise.all([store.approve(plan, 'slack:U0ANN', rules), store.approve(plan, 'console:ann', rules)]);
        expect(results.map((r) => r.kind).sort()).toEqual(['already', 'recorded']);
        expect(await client.scard(`opsbot:plan:${plan.id}:approvers`)).toBe(1);
      }
      expect(await store.approve(plan, 'console:bob', rules)).toEqual({ kind: 'own', requester: 'slack:U0BOB' });
      expect(await client.hget(`opsbot:plan:${plan.id}`, 'state')).toBe('pending');
    } finally {
      client.disconnect();
      await redis.close();
    }
  });
});
