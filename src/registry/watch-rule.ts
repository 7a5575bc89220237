import picomatch from 'picomatch';
import semver from 'semver';
import type { WatchConfig } from '../core/config/schema.js';

/**
 * What a registry watch looks for, and the decision "is what the registry has now new?", kept
 * pure so it is tested without a registry. A version is a tag (semver range, regex) or a digest
 * (a moving tag such as `latest`).
 */
export type WatchRule =
  | ({ kind: 'semver'; range: string } & TagFilter)
  | ({ kind: 'regex'; pattern: RegExp; order?: 'lexical' } & TagFilter)
  | { kind: 'digest'; tag: string };

/**
 * Tags left out before the best one is chosen (argocd-image-updater's `allow-tags` and
 * `ignore-tags`): a tag must match `allow`, and none of `ignore`.
 */
export interface TagFilter {
  allow?: RegExp;
  ignore?: readonly RegExp[];
}

export function watchRule(tags: WatchConfig['tags']): WatchRule {
  if (typeof tags === 'string') return { kind: 'semver', range: tags };
  if ('regex' in tags) return { kind: 'regex', pattern: new RegExp(tags.regex) };
  return { kind: 'digest', tag: tags.digestOf };
}

/**
 * Semver order where both tags are versions (`1.10.0` after `1.9.0`, `v1.2.0` read as 1.2.0), else
 * natural order (`build-10` after `build-9`, dates), so a regex over any tag scheme has a "highest".
 */
export function compareTags(a: string, b: string): number {
  const va = semver.valid(a, { loose: true });
  const vb = semver.valid(b, { loose: true });
  if (va !== null && vb !== null) return semver.compare(va, vb, { loose: true }) || a.localeCompare(b);
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The best tag a tag-list rule matches: the highest in the range (pre-releases only if the range names one), or the highest the regex matches. */
export function bestTag(rule: Exclude<WatchRule, { kind: 'digest' }>, tags: readonly string[]): string | undefined {
  const allowed = tags.filter((t) => (!rule.allow || rule.allow.test(t)) && !rule.ignore?.some((i) => i.test(t)));
  if (rule.kind === 'semver') return semver.maxSatisfying(allowed, rule.range, { loose: true }) ?? undefined;
  const matching = allowed.filter((t) => rule.pattern.test(t));
  return matching.sort(comparatorOf(rule)).at(-1);
}

/** argocd-image-updater's `alphabetical`: plain code-unit order (Go's sort.Strings), `build-9` after `build-10`. */
function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparatorOf(rule: Exclude<WatchRule, { kind: 'digest' }>): (a: string, b: string) => number {
  return rule.kind === 'regex' && rule.order === 'lexical' ? lexical : compareTags;
}

/**
 * A glob as `ignore-tags` patterns are written (Go's filepath.Match: `*`, `?`, `[…]`), as an
 * anchored RegExp. Braces and extglobs are off: Go has neither. Throws on an unclosed bracket.
 */
export function globPattern(glob: string): RegExp {
  return picomatch.makeRe(glob, { dot: true, nobrace: true, noextglob: true, strictBrackets: true });
}

export type WatchDecision =
  /** Nothing known yet (first poll of this app/env): what the registry has is the starting point, not news. */
  { kind: 'baseline'; version: string } | { kind: 'new'; version: string } | { kind: 'unchanged' };

/**
 * `seen`: the version last proposed or deployed (or the baseline). A tag is new when it is
 * higher than that one (a deleted or lower tag is not news); a digest when it differs.
 */
export function decide(rule: WatchRule, seen: string | undefined, current: string | undefined): WatchDecision {
  if (current === undefined) return { kind: 'unchanged' };
  if (seen === undefined) return { kind: 'baseline', version: current };
  if (rule.kind === 'digest') return current === seen ? { kind: 'unchanged' } : { kind: 'new', version: current };
  return comparatorOf(rule)(current, seen) > 0 ? { kind: 'new', version: current } : { kind: 'unchanged' };
}
