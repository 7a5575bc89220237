/**
 * Secrets reach opsbot only through the environment. Anything that leaves the process (chat,
 * logs, audit) goes through one Redactor that knows every secret value in play.
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

export class Redactor {
  private readonly values: string[];

  constructor(values: Iterable<string> = []) {
    // Longest first so a secret that contains another is replaced whole; very short values
    // (e.g. "1") would shred ordinary text and are not secrets worth the name.
    this.values = [...new Set([...values].filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
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

  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join(REDACTED);
    for (const shape of TOKEN_SHAPES) {
      out = out.replace(shape, (m, scheme: unknown) => (typeof scheme === 'string' && m.startsWith(scheme) ? `${scheme}${REDACTED}@` : REDACTED));
    }
    return out;
  }
}
