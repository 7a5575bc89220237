/**
 * Which version `/rollback` goes to, from the history of one tag file (pure; read by
 * DeployHistory). The history is replayed as an undo stack: a deploy pushes its version, a
 * rollback pops back to its target, and the version rolled back from is remembered as bad until
 * it is deployed again. A rollback goes to the highest version on the stack below the current
 * one that was never rolled back from — so 1.5.1 → 1.5.0, then to the one before 1.5.0, never
 * back to 1.5.1.
 */
export interface TimelineEntry {
  verb: 'deploy' | 'rollback';
  /** The version the file held after this change (null when it could not be read). */
  tag: string | null;
  from: string | null;
}

export interface DeployTimeline {
  current: string | null;
  /** Deployed versions not undone by a rollback, oldest first; the top is the current one. */
  stack: string[];
  /** Versions rolled back from (and not deployed since). */
  rolledBackFrom: Set<string>;
  /** Every version the file has held, newest first, each once. */
  seen: string[];
}

export function replayDeploys(oldestFirst: readonly TimelineEntry[]): DeployTimeline {
  const stack: string[] = [];
  const bad = new Set<string>();
  let current: string | null = null;
  for (const e of oldestFirst) {
    if (e.tag === null) continue;
    if (e.verb === 'rollback') {
      const from = e.from ?? current;
      if (from) bad.add(from);
      const at = stack.lastIndexOf(e.tag);
      if (at >= 0) stack.length = at + 1;
      else stack.push(e.tag); // `--to` a version deployed before the history we read
    } else {
      bad.delete(e.tag);
      stack.push(e.tag);
    }
    current = e.tag;
  }
  const seen = [...new Set(oldestFirst.map((e) => e.tag).filter((t): t is string => t !== null).reverse())];
  return { current, stack, rolledBackFrom: bad, seen };
}

/** The version a plain `/rollback` goes to, or undefined when there is none. */
export function rollbackVersion(t: DeployTimeline): string | undefined {
  for (let i = t.stack.length - 1; i >= 0; i--) {
    const v = t.stack[i]!;
    if (v !== t.current && !t.rolledBackFrom.has(v)) return v;
  }
  return undefined;
}
