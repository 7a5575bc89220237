import { isScalar } from 'yaml';
import { GitopsError } from '../errors.js';
import type { EditResult } from './edit-result.js';
import { parseRequestedRef, type RequestedRef } from './image-ref.js';
import { applySplices, loadDocuments, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * A Helm values file and the dotted key path of the tag (`image.tag`, `web.image.tag`). The key
 * must already exist: creating it would silently do nothing if the chart reads another key.
 */
export interface HelmValuesTarget {
  file: string;
  /** Dotted key path, e.g. `image.tag`. */
  key: string;
}

function tagNode(text: string, { file, key }: HelmValuesTarget) {
  const doc = loadDocuments(text, file).find((d) => d.contents !== null);
  const path = key.split('.');
  const found = walk(doc?.contents ?? null, path);
  if ('missing' in found) {
    const at = path.slice(0, found.at + 1).join('.');
    throw new GitopsError('E_KEY_MISSING', `${file}: key ${key} not found (${at} is missing); add it to the values file or fix "key" in the config`, file);
  }
  const node = found.node;
  if (!isScalar(node)) throw new GitopsError('E_KEY_MISSING', `${file}: ${key} is not a single value`, file);
  return node;
}

export function currentHelmTag(text: string, target: HelmValuesTarget): string | null {
  const value = scalarString(tagNode(text, target));
  return value === '' ? null : value;
}

/** Whether the key takes what is written there: a tag key a tag, a digest key a digest (pure; also asked before a deploy is queued). */
export function checkHelmRef(target: HelmValuesTarget, ref: string): RequestedRef {
  const requested = parseRequestedRef(ref, target.file);
  const digestKey = /(^|\.)digest$/i.test(target.key);
  if (requested.kind === 'digest' && !digestKey) {
    // Charts render `repository:tag`; a digest there yields `repo:sha256:…`, which no runtime pulls.
    throw new GitopsError('E_BAD_TAG', `${target.file}: ${target.key} takes a tag, not a digest; deploy a tag, or point "key" at the chart's digest value`, target.file);
  }
  if (requested.kind === 'tag' && digestKey) {
    throw new GitopsError('E_BAD_TAG', `${target.file}: ${target.key} takes a digest (sha256:…), not the tag "${requested.value}"`, target.file);
  }
  return requested;
}

export function editHelmValues(text: string, target: HelmValuesTarget & { ref: string }): EditResult {
  const requested = checkHelmRef(target, target.ref);
  const node = tagNode(text, target);
  const old = scalarString(node);
  if (old === requested.value) return { text, old, new: requested.value, changed: false };
  const next = applySplices(text, [replaceScalar(node, requested.value, target.file)]);
  return { text: next, old: old === '' ? null : old, new: requested.value, changed: next !== text };
}
