import { describe, expect, it } from 'vitest';
import { replayDeploys, rollbackVersion, type TimelineEntry } from './rollback-target.js';

const deploy = (tag: string, from: string | null = null): TimelineEntry => ({ verb: 'deploy', tag, from });
const rollback = (from: string, tag: string): TimelineEntry => ({ verb: 'rollback', tag, from });

/** Replays `entries`, then as many rollbacks as asked, each to what rollbackVersion chose. */
function rollbacks(entries: TimelineEntry[], n: number): (string | undefined)[] {
  const history = [...entries];
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const t = replayDeploys(history);
    const to = rollbackVersion(t);
    out.push(to);
    if (to === undefined) break;
    history.push(rollback(t.current!, to));
  }
  return out;
}

describe('rollbackVersion', () => {
  it('1.5.1 → 1.5.0, then the one before 1.5.0 — never back to 1.5.1', () => {
    expect(rollbacks([deploy('1.4.0'), deploy('1.5.0'), deploy('1.5.1')], 3)).toEqual(['1.5.0', '1.4.0', undefined]);
  });

  it('after a rollback and a new deploy, goes to the version before that deploy', () => {
    const t = replayDeploys([deploy('1.4.0'), deploy('1.5.0'), deploy('1.5.1'), rollback('1.5.1', '1.5.0'), rollback('1.5.0', '1.4.0'), deploy('1.6.0')]);
    expect(t.stack).toEqual(['1.4.0', '1.6.0']);
    expect(rollbackVersion(t)).toBe('1.4.0');
  });

  it('skips a version deployed twice that was later rolled back from', () => {
    // A, B, A, C: C → A, then A → B, then nothing (A was rolled back from).
    expect(rollbacks([deploy('a'), deploy('b'), deploy('a'), deploy('c')], 3)).toEqual(['a', 'b', undefined]);
  });

  it('a version rolled back from and deployed again on purpose is good again', () => {
    const t = replayDeploys([deploy('1.0'), deploy('1.1'), rollback('1.1', '1.0'), deploy('1.1'), deploy('1.2')]);
    expect(rollbackVersion(t)).toBe('1.1');
  });

  it('--to an older version pops everything above it; the versions skipped over are gone too', () => {
    const t = replayDeploys([deploy('a'), deploy('b'), deploy('c'), rollback('c', 'a'), deploy('d')]);
    expect(t.stack).toEqual(['a', 'd']);
    expect(rollbacks([deploy('a'), deploy('b'), deploy('c'), rollback('c', 'a'), deploy('d')], 2)).toEqual(['a', undefined]);
  });

  it('nothing to go back to: one deploy, or none', () => {
    expect(rollbackVersion(replayDeploys([deploy('1.0')]))).toBeUndefined();
    expect(rollbackVersion(replayDeploys([]))).toBeUndefined();
  });

  it('lists every version seen, newest first, once', () => {
    expect(replayDeploys([deploy('a'), deploy('b'), rollback('b', 'a'), deploy('c')]).seen).toEqual(['c', 'a', 'b']);
  });
});
