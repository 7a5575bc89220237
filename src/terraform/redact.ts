import { Redactor } from '../core/redact.js';

/**
 * Removes every secret value from text produced by tofu. A value can appear raw (plain text,
 * local-exec output) or JSON-escaped (inside a `-json` line, where `"` becomes `\"`), so both
 * forms are replaced. Values shorter than 4 characters are left alone (see core Redactor).
 */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactorFor(secrets).redact(text);
}

export function redactorFor(secrets: Iterable<string>): Redactor {
  const forms: string[] = [];
  for (const s of secrets) {
    if (s === '') continue;
    forms.push(s);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) forms.push(escaped);
  }
  return new Redactor(forms);
}

/** Redacts every string inside a parsed JSON value (event objects), keys included. */
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
