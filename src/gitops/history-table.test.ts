import { describe, expect, it } from 'vitest';
import type { DeployRecord } from './deploy-history.js';
import { historyTable } from './history-table.js';

const rec = (verb: 'deploy' | 'rollback', tag: string, from: string | null, minute: number, by = 'alice (console:alice)'): DeployRecord => ({
  sha: `${minute}`.repeat(40).slice(0, 40),
  verb,
  tag,
  from,
  requestedBy: by,
  when: `2026-11-29T10:${String(minute).padStart(2, '0')}:00Z`,
  byOpsbot: true,
});

describe('historyTable', () => {
  it('marks the current version, rollbacks and the versions rolled back from, in aligned columns', () => {
    const table = historyTable([
      rec('rollback', '1.4.0', '1.5.0', 4),
      rec('rollback', '1.5.0', '1.5.1', 3),
      rec('deploy', '1.5.1', '1.5.0', 2),
      rec('deploy', '1.5.0', '1.4.0', 1, 'ci-bot'),
    ]);
    expect(table.split('\n')).toEqual([
      'when              tag    commit    by',
      '2026-11-29 10:04  1.4.0  44444444  alice (console:alice)  ← current, rollback from 1.5.0',
      '2026-11-29 10:03  1.5.0  33333333  alice (console:alice)  rollback from 1.5.1, rolled back',
      '2026-11-29 10:02  1.5.1  22222222  alice (console:alice)  rolled back',
      '2026-11-29 10:01  1.5.0  11111111  ci-bot',
    ]);
  });
});
