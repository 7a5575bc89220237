import { distance } from 'fastest-levenshtein';

/**
 * "Did you mean …?" for a mistyped name: the closest known name by edit distance (a prefix
 * counts as close), if it is close enough to be a typo rather than a different word.
 */
export function closestName(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const n = name.toLowerCase();
    if (n === w) return name;
    const d = w.length >= 2 && n.startsWith(w) ? 1 : distance(w, n);
    if (!best || d < best.d) best = { name, d };
  }
  // Two edits, or a third of the word for long names; never as many edits as the word is long.
  if (!best || best.d > Math.max(2, Math.floor(w.length / 3)) || best.d >= w.length) return undefined;
  return best.name;
}

/** ` Did you mean "web"?` — or nothing. */
export function didYouMean(word: string, known: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const name = closestName(word, known);
  return name === undefined ? '' : ` Did you mean ${quote(name)}?`;
}
