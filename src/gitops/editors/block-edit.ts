import { type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { GitopsError } from '../errors.js';
import { lineCol, lineEndOf, lineOf, lineStartOf, newlineOf, plainIsUnsafe, type Splice } from './yaml-splice.js';

/**
 * Adding and removing whole entries of block maps and lists as splices of the source text, so
 * the lines around them (comments, blank lines, other keys) stay byte for byte: a new key is one
 * line written in the indentation of its siblings, a removed one takes exactly its own lines.
 */

/** A value as a person would type it: plain when YAML reads it back as the same string, else double-quoted. */
export function formatNew(value: string): string {
  return plainIsUnsafe(value) ? JSON.stringify(value) : value;
}

/** A key as written in a map: plain when YAML reads it back as the same string. */
export function formatKey(key: string): string {
  return plainIsUnsafe(key) || /[:#]/.test(key) ? JSON.stringify(key) : key;
}

/** The offset just past the line on which a node's source ends (a block node's range already ends after its newline). */
function endOfLines(text: string, end: number): number {
  return end > 0 && text[end - 1] === '\n' ? end : lineEndOf(text, end);
}

/** Where a new line goes in a block map: after its last entry (and whatever block that entry holds), at the column of its keys. */
function afterLastPair(text: string, map: YAMLMap, file: string): { at: number; indent: string; lead: string; nl: string } {
  const last = map.items[map.items.length - 1] as Pair<Node, unknown> | undefined;
  if (!last || !map.range) throw new GitopsError('E_UNEDITABLE', `${file}: empty map at line ${lineOf(text, map)}`, file);
  const lastEnd = (last.value as Node | null)?.range?.[1] ?? last.key.range?.[1] ?? map.range[1];
  const at = endOfLines(text, lastEnd);
  const nl = newlineOf(text);
  return { at, indent: ' '.repeat(lineCol(text, map.range[0])[1] - 1), lead: text[at - 1] === '\n' || at === 0 ? '' : nl, nl };
}

/** `key: value` added after the map's last entry, at the column of its keys (flow maps too: `{a: 1, key: value}`). */
export function insertPair(text: string, map: YAMLMap, key: string, formattedValue: string, file: string): Splice {
  if (map.flow && map.range) {
    const close = text.lastIndexOf('}', map.range[1]);
    return { start: close, end: close, text: `${map.items.length ? ', ' : ''}${key}: ${formattedValue}` };
  }
  const { at, indent, lead, nl } = afterLastPair(text, map, file);
  return { start: at, end: at, text: `${lead}${indent}${key}: ${formattedValue}${nl}` };
}

/**
 * `key:` with a block under it (`annotations:` and one annotation, `env:` and its first item),
 * added after the map's last entry; the block is indented two columns deeper than the key.
 */
export function insertBlock(text: string, map: YAMLMap, key: string, childLines: readonly string[], file: string): Splice {
  if (map.flow) throw new GitopsError('E_UNEDITABLE', `${file}: the map at line ${lineOf(text, map)} is written in flow style ({…}); write it as a block`, file);
  const { at, indent, lead, nl } = afterLastPair(text, map, file);
  const lines = [`${indent}${key}:`, ...childLines.map((l) => `${indent}  ${l}`)];
  return { start: at, end: at, text: `${lead}${lines.join(nl)}${nl}` };
}

/** The lines of one `key: value` entry of a block map (a nested block under it included). */
export function removePair(text: string, map: YAMLMap, pair: Pair<Node, unknown>, file: string): Splice {
  const keyRange = pair.key.range;
  const valueRange = (pair.value as Node | null)?.range;
  if (map.flow || !keyRange) {
    throw new GitopsError('E_UNEDITABLE', `${file}: the map at line ${lineOf(text, map)} is written in flow style ({…}); write it as a block to let opsbot remove keys`, file);
  }
  if (!/^[ \t]*$/.test(text.slice(lineStartOf(text, keyRange[0]), keyRange[0]))) {
    throw new GitopsError('E_UNEDITABLE', `${file}: the key at line ${lineOf(text, pair.key)} shares its line with other content`, file);
  }
  return { start: lineStartOf(text, keyRange[0]), end: endOfLines(text, valueRange?.[1] ?? keyRange[1]), text: '' };
}

/** `- first line` (and more lines under it) appended after the list's last item, in the list's own indentation. */
export function appendItem(text: string, seq: YAMLSeq, lines: readonly string[], file: string): Splice {
  const last = seq.items[seq.items.length - 1] as Node | undefined;
  if (seq.flow || !seq.range || !last?.range) {
    throw new GitopsError('E_UNEDITABLE', `${file}: the list at line ${lineOf(text, seq)} is ${seq.flow ? 'written in flow style ([…]); write it as a block' : 'empty'} to let opsbot add entries`, file);
  }
  const dash = text.lastIndexOf('-', last.range[0]);
  const dashCol = dash - lineStartOf(text, dash);
  const itemCol = lineCol(text, last.range[0])[1] - 1;
  const nl = newlineOf(text);
  const at = endOfLines(text, last.range[1]);
  const body = lines.map((l, i) => (i === 0 ? `${' '.repeat(dashCol)}-${' '.repeat(itemCol - dashCol - 1)}${l}` : `${' '.repeat(itemCol)}${l}`));
  return { start: at, end: at, text: `${text[at - 1] === '\n' ? '' : nl}${body.join(nl)}${nl}` };
}

/** The lines of one list item (`- …` and everything under it). */
export function removeItem(text: string, seq: YAMLSeq, item: Node, file: string): Splice {
  if (seq.flow || !item.range) {
    throw new GitopsError('E_UNEDITABLE', `${file}: the list at line ${lineOf(text, seq)} is written in flow style ([…]); write it as a block to let opsbot remove entries`, file);
  }
  const start = lineStartOf(text, item.range[0]);
  if (!/^\s*-\s*$/.test(text.slice(start, item.range[0]))) {
    throw new GitopsError('E_UNEDITABLE', `${file}: the item at line ${lineOf(text, item)} shares its line with other content`, file);
  }
  return { start, end: endOfLines(text, item.range[1]), text: '' };
}

