import { parse, parseAllDocuments, Scalar, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { GitopsError } from '../errors.js';

/**
 * Byte-exact YAML editing: the `yaml` document API finds *where* a value lives (every node keeps
 * its source `range`), and the change is a splice of the original text at that range. Nothing is
 * re-serialised, so comments, key order, quoting, blank lines, anchors and other documents stay
 * exactly as they were — the diff is what a person would have typed.
 */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

export type ParsedDocument = Document.Parsed;

export function loadDocuments(text: string, file: string): ParsedDocument[] {
  const docs = parseAllDocuments(text, { prettyErrors: false });
  // parseAllDocuments returns an EmptyStream (not an array) for an empty file.
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const [line, col] = lineCol(text, err.pos[0]);
      throw new GitopsError('E_YAML_BROKEN', `${file}: not valid YAML at line ${line}, column ${col}: ${err.message.split('\n')[0]}`, file);
    }
  }
  return list;
}

export function applySplices(text: string, splices: readonly Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/**
 * A plain scalar that YAML 1.1 (Helm, kustomize's Go parsers) or 1.2 would read as a number, bool
 * or null must be quoted, or `1.10` becomes 1.1 and a commit SHA like `3e45678` becomes Infinity.
 */
export function plainIsUnsafe(value: string): boolean {
  if (value === '') return true;
  for (const version of ['1.1', '1.2'] as const) {
    try {
      if (parse(value, { version }) !== value) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** The source text for `value`, written in the same style (plain, 'single', "double") as `node`. */
export function formatLike(node: Scalar, value: string, file: string): string {
  switch (node.type) {
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replaceAll("'", "''")}'`;
    case Scalar.PLAIN:
    case undefined:
      return plainIsUnsafe(value) ? JSON.stringify(value) : value;
    default:
      throw new GitopsError('E_YAML_BROKEN', `${file}: the value is a block scalar (| or >); opsbot only rewrites single-line values`, file);
  }
}

export function replaceScalar(node: Scalar, value: string, file: string): Splice {
  const range = node.range;
  if (!range) throw new GitopsError('E_YAML_BROKEN', `${file}: value has no source position`, file);
  return { start: range[0], end: range[1], text: formatLike(node, value, file) };
}

export function scalarString(node: unknown): string | null {
  if (!isScalar(node)) return null;
  const v = node.value;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(node.source ?? v) : null;
}

/** The pair of a block or flow map whose key is the string `key`. */
export function findPair(map: YAMLMap, key: string): Pair<Node, unknown> | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair<Node, unknown> | undefined;
}

/** Follows a key path through maps; returns the node at the end, or the first missing key. */
export function walk(root: unknown, path: readonly string[]): { node: unknown } | { missing: string; at: number } {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (!isMap(node)) return { missing: key, at: i };
    const pair = findPair(node, key);
    if (!pair) return { missing: key, at: i };
    node = pair.value;
  }
  return { node };
}

export function mapsIn(node: unknown): YAMLMap[] {
  return isSeq(node) ? node.items.filter((i): i is YAMLMap => isMap(i)) : [];
}

/** 1-based line and column of an offset, for messages. */
export function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}

/** 1-based line of a node, for messages. */
export function lineOf(text: string, node: unknown): number {
  const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | undefined) : undefined;
  return range ? lineCol(text, range[0])[0] : 0;
}

export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** The newline style of the file, so inserted lines match it. */
export function newlineOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
