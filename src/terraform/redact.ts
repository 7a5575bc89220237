import { Redactor } from '../core/redact.js';

/**
 * Removes every secret value from text produced by tofu: raw, JSON-escaped (inside a `-json`
 * line), HCL-escaped, line by line and leaf by leaf (see core `secretForms`).
 */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactorFor(secrets).redact(text);
}

export function redactorFor(secrets: Iterable<string>): Redactor {
  return new Redactor([...secrets].filter((s) => s !== ''));
}

/**
 * Redacts every string inside a parsed JSON value from tofu (event objects, `show -json`), keys
 * included: there, keys are data (map keys of the stack's values), not opsbot's structure.
 */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  return walk(value, redactor) as T;
}

function walk(value: unknown, r: Redactor): unknown {
  if (typeof value === 'string') return r.redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, r));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [r.redact(k), walk(v, r)]));
  }
  return value;
}
