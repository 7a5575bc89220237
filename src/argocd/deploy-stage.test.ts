import { describe, expect, it } from 'vitest';
import { assessDeploy } from './deploy-stage.js';
import { stageLine } from './deploy-tracker.js';
import { REV_A, REV_B, T1, T2, T3, app, operation, status } from '../../test/argocd/fixtures.js';

const degradedResources = [
  {
    kind: 'Deployment',
    name: 'web',
    namespace: 'web',
    status: 'Synced',
    health: { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' },
  },
];

// Following REV_B; the app was on REV_A.
const table: [string, ReturnType<typeof status>, unknown][] = [
  ['not refreshed yet: still on the old revision', status({ revision: REV_A }), { done: false, stage: 'committed' }],
  ['refreshed: out of sync at the new revision', status({ sync: 'OutOfSync', revision: REV_B }), { done: false, stage: 'out of sync' }],
  [
    'sync running for the new revision',
    status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B) }),
    { done: false, stage: 'syncing' },
  ],
  ['old operation (REV_A) running: not ours yet', status({ revision: REV_A, op: operation('Running', REV_A) }), { done: false, stage: 'committed' }],
  [
    'succeeded, not reconciled since',
    status({ revision: REV_B, health: 'Healthy', op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T1 }),
    { done: false, stage: 'progressing' },
  ],
  [
    'succeeded, progressing',
    status({ revision: REV_B, health: 'Progressing', op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }),
    { done: false, stage: 'progressing' },
  ],
  [
    'succeeded, healthy',
    status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }),
    { done: true, ok: true, revision: REV_B },
  ],
  [
    'abbreviated revision matches',
    status({ revision: REV_B, op: operation('Succeeded', REV_B.slice(0, 7), T1, T2), reconciledAt: T3 }),
    { done: false, stage: 'progressing' },
  ],
  ['synced at the revision with no operation (nothing to change), healthy', status({ revision: REV_B }), { done: true, ok: true, revision: REV_B }],
  [
    'sync failed',
    status({ sync: 'OutOfSync', revision: REV_B, op: operation('Failed', REV_B, T1, T2, 'one or more objects failed to apply'), reconciledAt: T3 }),
    { done: true, ok: false, reason: 'the sync failed: one or more objects failed to apply' },
  ],
  [
    'degraded after the sync',
    status({
      revision: REV_B,
      health: 'Degraded',
      healthMessage: 'probe failing',
      op: operation('Succeeded', REV_B, T1, T2),
      reconciledAt: T3,
      resources: degradedResources,
    }),
    {
      done: true,
      ok: false,
      reason: 'web is Degraded after the sync: probe failing: Deployment web: Degraded (Deployment "web" exceeded its progress deadline)',
    },
  ],
];

describe('assessDeploy (following REV_B)', () => {
  it.each(table)('%s', (_, st, want) => {
    const rev = _ === 'abbreviated revision matches' ? REV_B.slice(0, 7) : REV_B;
    const verdict = assessDeploy(app('web', st), rev);
    if (_ === 'abbreviated revision matches') expect(verdict).toEqual({ done: true, ok: true, revision: REV_B });
    else expect(verdict).toEqual(want);
  });
});

// Following REV_B; Argo CD reports REV_C, a later commit. How REV_C relates to REV_B is git's
// answer (the GitOps clone); here it is given.
const REV_C = 'c'.repeat(40);
const relation = (kind: 'contains' | 'superseded' | 'unrelated') => (r: string) =>
  r === REV_B
    ? ({ kind: 'same' } as const)
    : r === REV_C
      ? kind === 'superseded'
        ? ({ kind, by: REV_C, jobId: '42' } as const)
        : ({ kind } as const)
      : ({ kind: 'unrelated' } as const);

describe('assessDeploy at a later revision (REV_C on top of REV_B)', () => {
  const healthyAtC = status({ revision: REV_C, op: operation('Succeeded', REV_C, T1, T2), reconciledAt: T3 });
  it('one that contains the commit ends it, deployed, naming the revision', () => {
    expect(assessDeploy(app('web', healthyAtC), REV_B, relation('contains'))).toEqual({ done: true, ok: true, revision: REV_C });
  });
  it('without lineage only the exact commit counts: still committed', () => {
    expect(assessDeploy(app('web', healthyAtC), REV_B)).toEqual({ done: false, stage: 'committed' });
  });
  it('one that does not contain it (an older or foreign revision) is not the deploy', () => {
    expect(assessDeploy(app('web', healthyAtC), REV_B, relation('unrelated'))).toEqual({ done: false, stage: 'committed' });
  });
  it('an unanswered question (undefined) waits', () => {
    expect(assessDeploy(app('web', healthyAtC), REV_B, (r) => (r === REV_B ? { kind: 'same' } : undefined))).toEqual({
      done: false,
      stage: 'committed',
    });
  });
  it('one that changed the same file again supersedes it, whatever its health', () => {
    const degradedAtC = status({ revision: REV_C, health: 'Degraded', op: operation('Succeeded', REV_C, T1, T2), reconciledAt: T3 });
    expect(assessDeploy(app('web', degradedAtC), REV_B, relation('superseded'))).toEqual({ done: true, superseded: { by: REV_C, jobId: '42' } });
    const runningC = status({ sync: 'OutOfSync', revision: REV_C, op: operation('Running', REV_C) });
    expect(assessDeploy(app('web', runningC), REV_B, relation('superseded'))).toEqual({ done: true, superseded: { by: REV_C, jobId: '42' } });
  });
  it('a sync of a containing revision that fails is this deploy failing', () => {
    const failedC = status({
      sync: 'OutOfSync',
      revision: REV_C,
      op: operation('Failed', REV_C, T1, T2, 'one or more objects failed to apply'),
      reconciledAt: T3,
    });
    expect(assessDeploy(app('web', failedC), REV_B, relation('contains'))).toEqual({
      done: true,
      ok: false,
      reason: 'the sync failed: one or more objects failed to apply',
    });
  });
});

describe('stageLine', () => {
  it('shows reached stages with durations, the current one open', () => {
    const entered = new Map([
      ['committed', 0],
      ['out of sync', 1500],
      ['syncing', 4000],
    ] as const);
    expect(stageLine(new Map(entered), 9000, false)).toBe('committed 1.5s → out of sync 2.5s → syncing 5.0s …');
    const done = new Map([...entered, ['healthy', 65_000]] as const);
    expect(stageLine(new Map(done), 65_000, true)).toBe('committed 1.5s → out of sync 2.5s → syncing 1m1s → healthy');
  });
});
