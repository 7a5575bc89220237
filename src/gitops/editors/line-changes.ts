/**
 * The lines that differ between two versions of a file, found by trimming the common head and
 * tail. Enough to prove "the diff is exactly one line" in tests and to show that line in chat;
 * not a general diff algorithm.
 */
export interface LineChanges {
  /** 1-based line of the first difference (0 when identical). */
  line: number;
  removed: string[];
  added: string[];
}

export function lineChanges(before: string, after: string): LineChanges {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  if (head === a.length && head === b.length) return { line: 0, removed: [], added: [] };
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { line: head + 1, removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

/** How many lines a reviewer would see changed. */
export function changedLineCount(before: string, after: string): number {
  const c = lineChanges(before, after);
  return Math.max(c.removed.length, c.added.length);
}
