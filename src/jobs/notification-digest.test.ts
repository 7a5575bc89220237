import { describe, expect, it } from 'vitest';
import type { NoticeOutcome } from '../core/message.js';
import { foldDigest, openDigest, renderDigest } from './notification-digest.js';
import type { OutboxEvent } from './outbox.js';

const entry = (id: string, app: string, label: string, outcome: NoticeOutcome, rank: number, text?: string): { id: string; event: OutboxEvent } => ({
  id,
  event: {
    conversation: { platform: 'slack', channel: 'C1' },
    key: `notify:${app}|op:1`,
    message: { title: `${app} ${label}`, text },
    notice: { group: `${app}|op:1`, app, rank, outcome, label },
  },
});

describe('notification digest', () => {
  it('one line per operation at its latest state; failures first with what went wrong; counts in the title', () => {
    let d = openDigest('digest:1-0', 0);
    d = foldDigest(
      d,
      [
        entry('1-0', 'web', 'syncing', 'running', 1),
        entry('2-0', 'api', 'synced', 'succeeded', 3),
        entry('3-0', 'worker-prod', 'failed to sync', 'failed', 5, 'Job migrate failed\nbackoff limit'),
      ],
      1,
    );
    // A late "syncing" of api never replaces its "synced"; web moves on to synced.
    d = foldDigest(d, [entry('4-0', 'api', 'syncing', 'running', 1), entry('5-0', 'web', 'synced', 'succeeded', 3)], 2);
    const m = renderDigest(d);
    expect(m.status).toBe('failure');
    expect(m.title).toBe('3 Argo CD Applications: 1 failed to sync ✖ · 2 synced ✔');
    expect(m.text).toBe('✖ worker-prod failed to sync: Job migrate failed · backoff limit\n✔ synced (2): api, web');
    expect(m.attachment).toBeUndefined();
    expect(d.members).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    // Folding the same entries again (a retry after a crash) changes nothing.
    expect(renderDigest(foldDigest(d, [entry('5-0', 'web', 'synced', 'succeeded', 3)], 3))).toEqual(m);
  });

  it('2,000 operations: the message stays within the platforms’ limits, nothing is dropped from the counts, all are in the attached list', () => {
    const entries = Array.from({ length: 2000 }, (_, i) =>
      i % 100 === 7
        ? entry(`${i}-0`, `app-${i}`, 'failed to sync', 'failed', 5, 'x'.repeat(500))
        : entry(`${i}-0`, `app-${i}`, 'synced', 'succeeded', 3),
    );
    const m = renderDigest(foldDigest(openDigest('digest:0-0', 0), entries, 1), true);
    expect(m.cut).toBe(true);
    expect(m.title).toBe('2000 Argo CD Applications: 20 failed to sync ✖ · 1980 synced ✔');
    expect(m.text!.length).toBeLessThan(3600);
    expect(m.text!.startsWith('✖ app-')).toBe(true);
    for (let i = 0; i < 2000; i++) expect(m.attachment!.content).toContain(`app-${i} `);
  });
});
