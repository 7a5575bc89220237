import { describe, expect, it } from 'vitest';
import { bestTag, compareTags, decide, watchRule } from './watch-rule.js';

const TAGS = ['1.4.9', '1.5.0', '1.5.1', '1.10.0', '2.0.0', '1.6.0-rc.1', 'latest', 'v1.7.0', 'sha-abc123'];

describe('watch rules', () => {
  it('a semver range: the highest release in it; pre-releases only when the range names one', () => {
    expect(bestTag({ kind: 'semver', range: '~1.5.0' }, TAGS)).toBe('1.5.1');
    expect(bestTag({ kind: 'semver', range: '^1.5.0' }, TAGS)).toBe('1.10.0');
    expect(bestTag({ kind: 'semver', range: '>=1.6.0-rc.0 <1.7.0' }, TAGS)).toBe('1.6.0-rc.1');
    expect(bestTag({ kind: 'semver', range: '^3' }, TAGS)).toBeUndefined();
  });

  it('a regex: the highest matching tag, semver order for versions, natural order otherwise', () => {
    expect(bestTag(watchRule({ regex: '^1\\.5\\.\\d+$' }) as { kind: 'regex'; pattern: RegExp }, TAGS)).toBe('1.5.1');
    expect(bestTag({ kind: 'regex', pattern: /^\d+\.\d+\.\d+$/ }, TAGS)).toBe('2.0.0');
    expect(bestTag({ kind: 'regex', pattern: /^build-/ }, ['build-9', 'build-10', 'build-2'])).toBe('build-10');
    expect(bestTag({ kind: 'regex', pattern: /^nothing$/ }, TAGS)).toBeUndefined();
  });

  it('orders versions as semver, v-prefixed too', () => {
    expect(compareTags('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareTags('v1.7.0', '1.6.9')).toBeGreaterThan(0);
    expect(compareTags('2026.01.5', '2026.01.10')).toBeLessThan(0);
  });

  it('decides: the first poll is the baseline; only a higher tag or another digest is new', () => {
    const semverRule = watchRule('^1.5.0');
    expect(decide(semverRule, undefined, '1.5.0')).toEqual({ kind: 'baseline', version: '1.5.0' });
    expect(decide(semverRule, '1.5.0', '1.5.1')).toEqual({ kind: 'new', version: '1.5.1' });
    expect(decide(semverRule, '1.5.1', '1.5.1')).toEqual({ kind: 'unchanged' });
    expect(decide(semverRule, '1.5.1', '1.5.0')).toEqual({ kind: 'unchanged' }); // 1.5.1 was deleted
    expect(decide(semverRule, '1.5.0', undefined)).toEqual({ kind: 'unchanged' });
    const digestRule = watchRule({ digestOf: 'latest' });
    expect(decide(digestRule, 'sha256:aa', 'sha256:bb')).toEqual({ kind: 'new', version: 'sha256:bb' });
    expect(decide(digestRule, 'sha256:aa', 'sha256:aa')).toEqual({ kind: 'unchanged' });
  });
});
