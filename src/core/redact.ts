/**
 * Secrets reach opsbot only through the environment. Anything that leaves the process (chat,
 * logs, audit) goes through one Redactor that knows every secret value in play.
 *
 * Redaction works on structure, not on serialised text: a value is redacted where it is a
 * string, before anything is serialised, so a secret containing `"` or `\` is found in its raw
 * form, and a secret such as `true` can never turn `"final":true` into broken JSON.
 */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CLIENT_KEY|API_KEY|ACCESS_KEY|CREDENTIALS?)$|^TF_VAR_|^ARM_CLIENT_SECRET$|^AWS_SECRET/;

/** Token shapes that are secrets wherever they appear, even if we were never told the value. */
const TOKEN_SHAPES: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /xapp-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /gh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /github_pat_[A-Za-z0-9_]{30,}/g,
  /\b\d{6,12}:AA[A-Za-z0-9_-]{30,}\b/g, // Telegram bot tokens
  /(https?:\/\/)[^\s/:@]+:[^\s/@]+@/g, // credentials in URLs
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

export const REDACTED = '[redacted]';

/** Shorter values (e.g. "1", "no") would shred ordinary text and are not secrets worth the name. */
const MIN_SECRET_LENGTH = 4;

/**
 * The forms a secret takes in what leaves opsbot: the value itself; JSON- and HCL-escaped (a
 * `-json` line, a plan rendered by tofu); each line of a multi-line value (tofu renders those as
 * an indented heredoc); every leaf of a value that is JSON (tofu re-renders a JSON `TF_VAR_` as
 * an object, so `{"clientSecret": "…"}` never appears whole, but the leaf does).
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  const add = (v: string) => {
    if (v.length < MIN_SECRET_LENGTH) return;
    forms.add(v);
    const json = JSON.stringify(v).slice(1, -1);
    forms.add(json);
    // HCL string escapes as tofu prints them: \" \\ \n, and template sequences doubled.
    forms.add(json.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{'));
  };
  add(value);
  if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n|\r/)) add(line.trim());
  for (const leaf of jsonLeaves(value)) add(leaf);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function jsonLeaves(value: string): string[] {
  const trimmed = value.trim();
  if (!/^[[{]/.test(trimmed)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return [];
  }
  const leaves: string[] = [];
  // String leaves only: numbers and booleans of a JSON value (a port, `true`) are not worth
  // shredding every text they appear in.
  const walk = (v: unknown) => {
    if (typeof v === 'string') leaves.push(v, ...(/[\r\n]/.test(v) ? v.split(/\r?\n|\r/).map((l) => l.trim()) : []));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(parsed);
  return leaves;
}

export class Redactor {
  private readonly values: string[];

  constructor(values: Iterable<string> = []) {
    // Longest first so a secret that contains another is replaced whole.
    this.values = [...new Set([...values].flatMap(secretForms))].sort((a, b) => b.length - a.length);
  }

  /** Collect secret-looking variables from an environment (by name). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    const values: string[] = [];
    for (const [key, value] of Object.entries(env)) {
      if (value && SECRET_NAME.test(key)) values.push(value);
    }
    return new Redactor(values);
  }

  with(extra: Iterable<string>): Redactor {
    return new Redactor([...this.values, ...extra]);
  }

  /** Redacts one piece of text. Never use it on serialised JSON: redact the value, then serialise. */
  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join(REDACTED);
    for (const shape of TOKEN_SHAPES) {
      out = out.replace(shape, (m, scheme: unknown) => (typeof scheme === 'string' && m.startsWith(scheme) ? `${scheme}${REDACTED}@` : REDACTED));
    }
    return out;
  }

  /**
   * Redacts every string inside a value, leaving its shape alone: keys, numbers, booleans and
   * null stay as they are, and the strings (or lists of strings) named in `keep` (by key, at any depth) are not
   * touched — they are opsbot's own vocabulary (a status, a conversation id, a button's command).
   */
  redactValue<T>(value: T, keep: ReadonlySet<string> = new Set()): T {
    const isPlain = (x: unknown) => typeof x !== 'object' || (Array.isArray(x) && x.every((e) => typeof e === 'string'));
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keep.has(k) && isPlain(x) ? x : walk(x)]));
      }
      return v;
    };
    return walk(value) as T;
  }

  /**
   * A line that is already serialised JSON (a log line): parsed, redacted by structure and
   * serialised again, so its shape survives whatever the secrets are. Text that is not JSON is
   * redacted as text.
   */
  redactJsonLine(line: string): string {
    const trimmed = line.trimEnd();
    if (!trimmed.startsWith('{')) return this.redact(line);
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return this.redact(line);
    }
    return `${JSON.stringify(this.redactValue(parsed))}${line.slice(trimmed.length)}`;
  }
}
