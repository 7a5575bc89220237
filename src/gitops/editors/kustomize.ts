import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { GitopsError } from '../errors.js';
import { formatNew, insertPair, removePair } from './block-edit.js';
import type { EditResult } from './edit-result.js';
import { parseRequestedRef, sameRepository, type RequestedRef } from './image-ref.js';
import {
  applySplices,
  findPair,
  lineCol,
  lineEndOf,
  lineOf,
  loadDocuments,
  mapsIn,
  newlineOf,
  plainIsUnsafe,
  replaceScalar,
  scalarString,
  type Splice,
} from './yaml-splice.js';

/**
 * The `images:` transformer of a kustomization.yaml, edited the way `kustomize edit set image`
 * would, but byte-exact around it. An entry matches when its `name` (or its `newName`, for the
 * "placeholder name" style) is the app's image.
 */
export interface KustomizeTarget {
  /** Repository path of the kustomization.yaml, for messages. */
  file: string;
  /** The app's image repository, e.g. `ghcr.io/example/web`. */
  image: string;
}

interface Located {
  root: YAMLMap;
  images: Pair<Node, unknown> | undefined;
  entry: YAMLMap | undefined;
}

function locate(text: string, { file, image }: KustomizeTarget): Located {
  const doc = loadDocuments(text, file).find((d) => d.contents !== null);
  const root = doc?.contents;
  if (!isMap(root)) throw new GitopsError('E_YAML_BROKEN', `${file}: not a kustomization (the top level is not a map)`, file);
  const images = findPair(root, 'images');
  const matches = mapsIn(images?.value).filter((entry) =>
    ['name', 'newName'].some((k) => {
      const v = scalarString(findPair(entry, k)?.value);
      return v !== null && sameRepository(v, image);
    }),
  );
  if (matches.length > 1) {
    const lines = matches.map((m) => lineOf(text, m)).join(', ');
    throw new GitopsError('E_CONTAINER_AMBIGUOUS', `${file}: ${matches.length} images entries match ${image} (lines ${lines}); keep one`, file);
  }
  return { root, images, entry: matches[0] };
}

/** The tag or digest the kustomization pins for the image; null when it has no entry (the base's tag applies). */
export function currentKustomizeTag(text: string, target: KustomizeTarget): string | null {
  const { entry } = locate(text, target);
  if (!entry) return null;
  return scalarString(findPair(entry, 'digest')?.value) ?? scalarString(findPair(entry, 'newTag')?.value);
}

export function editKustomize(text: string, target: KustomizeTarget & { ref: string }): EditResult {
  const requested = parseRequestedRef(target.ref, target.file);
  const located = locate(text, target);
  const old = located.entry
    ? (scalarString(findPair(located.entry, 'digest')?.value) ?? scalarString(findPair(located.entry, 'newTag')?.value))
    : null;
  const splices = located.entry
    ? retarget(text, located.entry, requested, target.file)
    : [addEntry(text, located, target.image, requested, target.file)];
  const next = applySplices(text, splices);
  return { text: next, old, new: requested.value, changed: next !== text };
}

const FIELD = { tag: 'newTag', digest: 'digest' } as const;

/** Points an existing entry at the requested ref; tag and digest exclude each other. */
function retarget(text: string, entry: YAMLMap, requested: RequestedRef, file: string): Splice[] {
  const field = FIELD[requested.kind];
  const other = findPair(entry, requested.kind === 'tag' ? FIELD.digest : FIELD.tag);
  const own = findPair(entry, field);
  if (own) {
    if (!isScalar(own.value)) throw new GitopsError('E_YAML_BROKEN', `${file}: ${field} at line ${lineOf(text, own.key)} is not a single value`, file);
    if (scalarString(own.value) === requested.value && !other) return [];
    return other ? [replaceScalar(own.value, requested.value, file), removePair(text, entry, other, file)] : [replaceScalar(own.value, requested.value, file)];
  }
  if (other && isScalar(other.key) && isScalar(other.value)) {
    // newTag: x  →  digest: sha256:…  on the same line, as a person would rewrite it.
    return [replaceScalar(other.key, field, file), replaceScalar(other.value, requested.value, file)];
  }
  return [insertPair(text, entry, field, formatNew(requested.value), file)];
}

function addEntry(text: string, { root, images }: Located, image: string, requested: RequestedRef, file: string): Splice {
  const nl = newlineOf(text);
  const value = plainIsUnsafe(requested.value) ? JSON.stringify(requested.value) : requested.value;
  const field = FIELD[requested.kind];
  if (images && isSeq(images.value) && (images.value as YAMLSeq).flow) {
    const seq = images.value as YAMLSeq;
    const close = text.lastIndexOf(']', seq.range![1]);
    return { start: close, end: close, text: `${seq.items.length ? ', ' : ''}{name: ${image}, ${field}: ${value}}` };
  }
  if (images && isSeq(images.value) && images.value.items.length > 0) {
    const seq = images.value;
    const dash = lineCol(text, seq.range![0])[1] - 1;
    const keyCol = lineCol(text, (seq.items[0] as Node).range![0])[1] - 1;
    const at = seq.range![1];
    const lead = text[at - 1] === '\n' ? '' : nl;
    return { start: at, end: at, text: `${lead}${' '.repeat(dash)}- name: ${image}${nl}${' '.repeat(keyCol)}${field}: ${value}${nl}` };
  }
  const entry = `- name: ${image}${nl}  ${field}: ${value}${nl}`;
  if (images && (images.value === null || (isScalar(images.value) && images.value.value === null))) {
    // `images:` with nothing under it.
    const at = lineEndOf(text, images.key.range![1]);
    return { start: at, end: at, text: `${text[at - 1] === '\n' ? '' : nl}${entry}` };
  }
  if (images) throw new GitopsError('E_YAML_BROKEN', `${file}: images at line ${lineOf(text, images.key)} is not a list`, file);
  const at = root.range![1];
  const lead = at > 0 && text[at - 1] !== '\n' ? nl : '';
  return { start: at, end: at, text: `${lead}images:${nl}${entry}` };
}
