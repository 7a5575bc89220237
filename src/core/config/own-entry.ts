/**
 * An entry of a config record (apps, environments, stacks, groups, people) by a name that came
 * from outside — a chat word, a plan's stored stack. Own entries only: a plain object answers
 * `__proto__`, `constructor` or `toString` with what it inherits, which would pass for a
 * configured app or environment ("/deploy web 1.0.0 __proto__" queued a deploy).
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
