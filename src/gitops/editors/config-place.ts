import { GitopsError } from '../errors.js';

/**
 * Application configuration as `/config` sees it, wherever it lives: a list of keys, each with
 * the value the file holds — or, when the file only points somewhere else (`valueFrom`, a
 * Secret), where the value comes from. Each kind of place (a container's `env:`, a ConfigMap's
 * `data:`, kustomize `literals:`, a map in Helm values) reads and edits one key at a time;
 * `editConfig` applies a whole command's changes, re-reading the text between them, so every
 * change is a splice of the text the previous one left.
 */
export interface ConfigEntry {
  key: string;
  /** The value written in the file; null when it comes from elsewhere (see `from`) or is not a single value. */
  value: string | null;
  /** Where the value comes from when not from the file: `Secret db/password`, `field metadata.name`. */
  from?: string;
  /** From a Secret: never shown, not even its reference's key. */
  secret?: boolean;
}

export interface ConfigListing {
  entries: ConfigEntry[];
  /** What else feeds the configuration (`envFrom: ConfigMap worker-config`), in words. */
  notes: string[];
}

/** One kind of place, bound to its file and location. */
export interface ConfigPlace {
  /** Repository path of the file, for messages. */
  readonly file: string;
  list(text: string): ConfigListing;
  set(text: string, key: string, value: string): string;
  unset(text: string, key: string): string;
  /**
   * Does a change here restart the pods by itself? A container's `env:` is part of the pod
   * template (yes); a ConfigMap's `data:` is not (no: pods keep what they read at start).
   */
  rollsPods(text: string): boolean | 'chart';
}

export interface ConfigOps {
  set: Readonly<Record<string, string>>;
  unset: readonly string[];
}

export interface KeyChange {
  key: string;
  /** null: the key was not there. */
  old: string | null;
  /** null: the key was removed. */
  new: string | null;
}

export interface ConfigEditResult {
  text: string;
  changes: KeyChange[];
  changed: boolean;
}

/** Applies a command's changes in order; a key already at its value (or already absent) is not a change. */
export function editConfig(text: string, place: ConfigPlace, ops: ConfigOps): ConfigEditResult {
  let next = text;
  const changes: KeyChange[] = [];
  const current = (key: string) => place.list(next).entries.find((e) => e.key === key);
  for (const [key, value] of Object.entries(ops.set)) {
    const entry = current(key);
    if (entry?.from !== undefined) throw valueFrom(place.file, entry, 'set');
    if (entry && entry.value === value) continue;
    next = place.set(next, key, value);
    changes.push({ key, old: entry?.value ?? null, new: value });
  }
  for (const key of ops.unset) {
    const entry = current(key);
    if (!entry) continue;
    if (entry.from !== undefined) throw valueFrom(place.file, entry, 'unset');
    next = place.unset(next, key);
    changes.push({ key, old: entry.value, new: null });
  }
  return { text: next, changes, changed: next !== text };
}

function valueFrom(file: string, entry: ConfigEntry, verb: 'set' | 'unset'): GitopsError {
  const where = entry.secret ? 'a Secret' : entry.from;
  return new GitopsError(
    'E_VALUE_FROM',
    `${file}: ${entry.key} is not written in the file: its value comes from ${where} (valueFrom). opsbot only ${verb}s \`value:\` entries; change it where it comes from.`,
    file,
  );
}
