import { describe, expect, it } from 'vitest';
import { OpsbotError } from '../../core/errors.js';
import {
  config,
  FakeLocks,
  FakeOutbox,
  FakePlanStore,
  FakeStacks,
  jobContext,
  NO_CHANGES,
  ONE_CREATE,
  FakeHolds,
  NO_GITHUB,
} from '../../../test/support/fakes.js';
import { driftDestination, driftJob } from './drift.js';

const STACKS = `stacks: { core: { dir: terraform/core, driftCheck: "0 * * * *", approvers: ["console:alice"] } }`;

/** DriftMemory in memory: same swap rule as the Redis key. */
class FakeMemory {
  readonly last = new Map<string, string>();
  async swap(stack: string, now: string | null): Promise<string | null> {
    const before = this.last.get(stack) ?? null;
    if (now === null) this.last.delete(stack);
    else this.last.set(stack, now);
    return before;
  }
}

const SCHEDULER = { platform: 'console' as const, id: 'drift-check', displayName: 'drift check' };

function setup(yaml = STACKS) {
  const stacks = new FakeStacks();
  const outbox = new FakeOutbox();
  const locks = new FakeLocks();
  const cfg = config(yaml);
  const kind = driftJob({
    config: cfg,
    stacks,
    outbox,
    memory: new FakeMemory(),
    env: {},
    infra: { store: new FakePlanStore(), locks, holds: new FakeHolds(), github: NO_GITHUB, baseDir: '/srv/infra', stateHome: '/tmp/state' },
  });
  const { ctx } = jobContext('drift', { stack: 'core' }, { requester: SCHEDULER });
  return { run: () => kind.run(ctx), stacks, outbox, locks, cfg };
}

describe('drift job', () => {
  it('posts the summary with a Plan button to the drift destination when the stack drifted', async () => {
    const { run, outbox, locks } = setup();
    expect(await run()).toEqual({ text: 'drift on core found (reported)' });
    expect(locks.released).toEqual(['core']);
    const [event] = outbox.events;
    expect(event?.conversation).toEqual({ platform: 'console', channel: 'notifications' });
    expect(event?.key).toMatch(/^drift:core:\d+$/);
    expect(event?.message).toMatchObject({
      status: 'warning',
      title: 'Drift on stack core: the infrastructure does not match its code',
      context: 'scheduled drift check (0 * * * *)',
    });
    expect(event?.message.buttons).toEqual([{ action: { command: 'infra plan', args: ['core'] }, label: 'Plan', style: 'primary' }]);
  });

  it('stays silent when nothing changed', async () => {
    const { run, outbox, stacks } = setup();
    stacks.planOutcome = { ...stacks.planOutcome, summary: NO_CHANGES };
    expect(await run()).toEqual({ text: 'no drift on core' });
    expect(outbox.events).toHaveLength(0);
  });

  it('speaks only when drift appears, changes or is gone; silent between', async () => {
    const { run, outbox, stacks } = setup(`stacks: { core: { dir: terraform/core, notify: "slack:C0DRIFT", approvers: ["console:alice"] } }`);
    const titles = () => outbox.events.map((e) => `${e.conversation.platform}:${e.conversation.channel} ${e.message.title}`);
    expect(await run()).toEqual({ text: 'drift on core found (reported)' });
    expect(await run()).toEqual({ text: 'drift on core unchanged since it was reported (not posted again)' });
    stacks.planOutcome = {
      ...stacks.planOutcome,
      summary: {
        ...ONE_CREATE,
        counts: { ...ONE_CREATE.counts, create: 2 },
        groups: [{ action: 'create', addresses: ['terraform_data.x', 'terraform_data.y'], more: 0 }],
      },
    };
    expect(await run()).toEqual({ text: 'drift on core changed (reported)' });
    stacks.planOutcome = { ...stacks.planOutcome, summary: NO_CHANGES };
    expect(await run()).toEqual({ text: 'drift on core is gone (reported)' });
    expect(await run()).toEqual({ text: 'no drift on core' });
    expect(titles()).toEqual([
      'slack:C0DRIFT Drift on stack core: the infrastructure does not match its code',
      'slack:C0DRIFT Drift on stack core has changed: the infrastructure does not match its code',
      'slack:C0DRIFT Drift on stack core is gone',
    ]);
  });

  it('skips a busy stack until the next run', async () => {
    const { run, locks, stacks } = setup();
    locks.busy = new OpsbotError('E_STACK_LOCKED', 'busy');
    expect(await run()).toEqual({ text: 'drift check of core skipped: stack busy' });
    expect(stacks.calls).toEqual([]);
  });

  it.each([
    ['no routes', '', { platform: 'console', channel: 'notifications' }],
    [
      'a console route',
      'notifications: { routes: [ { triggers: [on-sync-failed], to: [console] } ] }',
      { platform: 'console', channel: 'notifications' },
    ],
    [
      'a Slack route',
      'notifications: { routes: [ { triggers: [on-sync-failed], to: ["slack:C0123DEPLOY", console] } ] }',
      { platform: 'slack', channel: 'C0123DEPLOY' },
    ],
    [
      'a Telegram topic',
      'notifications: { routes: [ { triggers: [on-sync-failed], to: ["telegram:-1001234567890/7"] } ] }',
      { platform: 'telegram', channel: '-1001234567890', thread: '7' },
    ],
  ])('drift goes to the first destination of the first route: %s', (_what, yaml, expected) => {
    expect(driftDestination(config(yaml))).toEqual(expected);
  });
});
