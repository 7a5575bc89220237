import semver from 'semver';
import { shownValue, type UpdaterImage } from '../argocd/image-updater-annotations.js';
import type { TagLocation, WatchConfig } from '../core/config/schema.js';
import { TAG_PATTERN } from '../core/oci-reference.js';
import { globPattern, type TagFilter, type WatchRule } from '../registry/watch-rule.js';

/**
 * The registry watch of an image declared by argocd-image-updater annotations: its
 * `update-strategy`, version constraint, `allow-tags` and `ignore-tags` as a WatchRule, or why it
 * cannot be watched. A `digest` strategy also pins deploys to the digest, as image-updater writes it.
 */
type RuleOf = { rule: WatchRule; pin?: true } | { problem: string; pin?: true };

/** The registry watch of an image, from its strategy, constraint and tag filters. */
export function watchRuleOf(image: UpdaterImage, location: TagLocation): RuleOf {
  if (image.watchProblem) return { problem: image.watchProblem };
  const digestKey = location.kind !== 'helm-values' || /(^|\.)digest$/i.test(location.key);
  if (image.strategy === 'digest') {
    if (!image.constraint || !TAG_PATTERN.test(image.constraint)) {
      return { problem: `update-strategy digest needs the tag to follow in the image-list (${image.image}:latest)` };
    }
    // Like argocd-image-updater, what is written is the digest: a deploy of the tag is pinned to it.
    if (!digestKey) return { problem: `update-strategy digest needs helm.image-tag to name the chart's digest value (a key ending in "digest")` };
    return { rule: { kind: 'digest', tag: image.constraint }, pin: true };
  }
  if (image.strategy === 'newest-build') {
    return { problem: "update-strategy newest-build orders tags by image creation date, which opsbot's watch does not read (deploys still work)" };
  }
  const filter = tagFilter(image);
  if ('problem' in filter) return filter;
  if (image.strategy === 'alphabetical') return { rule: { kind: 'regex', pattern: /(?:)/, order: 'lexical', ...filter } };
  const range = image.constraint ?? '*';
  if (semver.validRange(range, { loose: true }) === null)
    return { problem: `the version constraint ${shownValue(range)} is not a semver constraint` };
  return { rule: { kind: 'semver', range, ...filter } };
}

/** Checked like RE2 would (no look-around, no back-references) and refused where it could take exponential time on a tag. */
function tagFilter(image: UpdaterImage): TagFilter | { problem: string } {
  const filter: { allow?: RegExp; ignore?: RegExp[] } = {};
  if (image.allowTags && 'regexp' in image.allowTags) {
    const source = image.allowTags.regexp;
    if (source.length > 200 || /\(\?<?[=!]|\\[1-9]|\\k</.test(source))
      return { problem: `allow-tags ${shownValue(source)}: look-around, back-references and more than 200 characters are not RE2` };
    if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/.test(source))
      return { problem: `allow-tags ${shownValue(source)} nests repetitions, which could take exponential time` };
    try {
      filter.allow = new RegExp(source);
    } catch (err) {
      return { problem: `allow-tags ${shownValue(source)} is not a regular expression: ${(err as Error).message}` };
    }
  }
  if (image.ignoreTags.length > 0) {
    try {
      filter.ignore = image.ignoreTags.map(globPattern);
    } catch (err) {
      return { problem: `ignore-tags: ${(err as Error).message}` };
    }
  }
  return filter;
}

/** The config form of a rule, for check-config-like descriptions. */
export function watchTags(rule: WatchRule): WatchConfig['tags'] {
  if (rule.kind === 'semver') return rule.range;
  if (rule.kind === 'regex') return { regex: rule.pattern.source };
  return { digestOf: rule.tag };
}
