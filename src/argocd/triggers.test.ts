import { describe, expect, it } from 'vitest';
import type { Trigger } from '../core/config/schema.js';
import { isRefreshedAfterOperation } from './application.js';
import { evaluateTriggers, groupKey } from './triggers.js';
import { REV_A, REV_B, T0, T1, T2, T3, app, operation, status } from '../../test/argocd/fixtures.js';

const opKeyB = `op:${T1}@${REV_B}`;

/** [case, status, expected triggers with their once-per keys] */
const table: [string, ReturnType<typeof status> | undefined, Partial<Record<Trigger, string>>][] = [
  ['no status yet: only on-created (Argo CD skips apps without status)', undefined, { 'on-created': 'app:uid-web' }],
  ['synced, healthy, no operation', status({}), { 'on-created': 'app:uid-web' }],
  [
    'operation running',
    status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B) }),
    { 'on-created': 'app:uid-web', 'on-sync-running': opKeyB },
  ],
  [
    'succeeded + healthy, reconciled after finish',
    status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }),
    { 'on-created': 'app:uid-web', 'on-sync-succeeded': opKeyB, 'on-deployed': opKeyB },
  ],
  [
    'succeeded, reconciledAt == finishedAt counts (not older)',
    status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T2 }),
    { 'on-created': 'app:uid-web', 'on-sync-succeeded': opKeyB, 'on-deployed': opKeyB },
  ],
  [
    'succeeded but reconciledAt older than finishedAt: nothing but on-created (REAL-PARTS: Argo CD waits)',
    status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T1 }),
    { 'on-created': 'app:uid-web' },
  ],
  [
    'succeeded, health Progressing: synced but not deployed',
    status({ revision: REV_B, health: 'Progressing', op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }),
    { 'on-created': 'app:uid-web', 'on-sync-succeeded': opKeyB },
  ],
  [
    'failed',
    status({ sync: 'OutOfSync', revision: REV_B, op: operation('Failed', REV_B, T1, T2, 'one or more objects failed'), reconciledAt: T3 }),
    { 'on-created': 'app:uid-web', 'on-sync-failed': opKeyB },
  ],
  [
    'error',
    status({ sync: 'OutOfSync', revision: REV_B, op: operation('Error', REV_B, T1, T2), reconciledAt: T3 }),
    { 'on-created': 'app:uid-web', 'on-sync-failed': opKeyB },
  ],
  ['failed without finishedAt: not refreshed', status({ op: operation('Failed', REV_B, T1) }), { 'on-created': 'app:uid-web' }],
  [
    'degraded after a succeeded sync',
    status({ revision: REV_B, health: 'Degraded', op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }),
    { 'on-created': 'app:uid-web', 'on-sync-succeeded': opKeyB, 'on-health-degraded': `rev:${REV_B}|health:Degraded` },
  ],
  [
    'sync status unknown',
    status({ sync: 'Unknown', revision: REV_A }),
    { 'on-created': 'app:uid-web', 'on-sync-status-unknown': `rev:${REV_A}|sync:Unknown` },
  ],
];

describe('evaluateTriggers: the catalog conditions and once-per keys', () => {
  it.each(table)('%s', (_, st, want) => {
    const got = Object.fromEntries(evaluateTriggers(app('web', st)).map((h) => [h.trigger, h.oncePer]));
    expect(got).toEqual(want);
  });

  it('deletionTimestamp or a DELETED event → only on-deleted', () => {
    expect(evaluateTriggers(app('web', status({}), { deletionTimestamp: T3 })).map((h) => h.trigger)).toEqual(['on-deleted']);
    expect(evaluateTriggers(app('web', status({})), { deleted: true })).toEqual([
      { trigger: 'on-deleted', oncePer: 'app:uid-web', groupKey: `uid-web|rev:${REV_A}` },
    ]);
  });

  it('on-deployed: health that turned Healthy before the sync finished does not count (catalog lastTransitionTime rule)', () => {
    const st = status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 });
    (st.health as Record<string, unknown>).lastTransitionTime = T0;
    expect(evaluateTriggers(app('web', st)).map((h) => h.trigger)).not.toContain('on-deployed');
    (st.health as Record<string, unknown>).lastTransitionTime = T3;
    expect(evaluateTriggers(app('web', st)).map((h) => h.trigger)).toContain('on-deployed');
  });

  it('Running then Succeeded: different keys per trigger, one group per operation', () => {
    const running = app('web', status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B) }));
    const done = app('web', status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }));
    expect(groupKey(running)).toBe(groupKey(done));
    const keys = new Set(evaluateTriggers(done).map((h) => h.groupKey));
    expect(keys).toEqual(new Set([groupKey(done)]));
  });

  it('a second sync of the same revision is a new operation (new startedAt → new key)', () => {
    const first = evaluateTriggers(app('web', status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 })));
    const again = evaluateTriggers(app('web', status({ revision: REV_B, op: operation('Succeeded', REV_B, T2, T3), reconciledAt: T3 })));
    expect(first.find((h) => h.trigger === 'on-sync-succeeded')?.oncePer).not.toBe(again.find((h) => h.trigger === 'on-sync-succeeded')?.oncePer);
  });

  it.each([
    [undefined, true],
    ['Running', true],
    ['Succeeded', false],
  ])('isRefreshedAfterOperation with phase %s and reconciledAt before finishedAt → %s', (phase, want) => {
    const a = app('web', status({ op: phase ? operation(phase, REV_B, T1, T2) : undefined, reconciledAt: T1 }));
    expect(isRefreshedAfterOperation(a)).toBe(want);
  });
});
