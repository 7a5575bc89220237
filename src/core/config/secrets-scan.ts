/**
 * Secrets come only from the environment. A config file is committed, mounted into
 * containers and pasted into tickets, so a secret-looking value in it is refused outright.
 */
const SECRET_KEY = /^(token|secret|password|passwd|api[-_]?key|private[-_]?key|client[-_]?secret|signing[-_]?secret|bot[-_]?token|access[-_]?key)$/i;

const SECRET_VALUE: { re: RegExp; what: string }[] = [
  { re: /^xox[abposr]-/, what: 'a Slack token' },
  { re: /^xapp-/, what: 'a Slack app-level token' },
  { re: /^(gh[pousr]_|github_pat_)/, what: 'a GitHub token' },
  { re: /^\d{6,12}:AA[A-Za-z0-9_-]{30,}$/, what: 'a Telegram bot token' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  { re: /^AKIA[0-9A-Z]{16}$/, what: 'an AWS access key' },
  { re: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, what: 'a URL with a password in it' },
];

export interface SecretFinding {
  path: string;
  message: string;
}

export function findSecrets(value: unknown, path: string[] = []): SecretFinding[] {
  const out: SecretFinding[] = [];
  if (typeof value === 'string') {
    const key = path[path.length - 1] ?? '';
    const hit = SECRET_VALUE.find((s) => s.re.test(value));
    if (hit) {
      out.push({ path: path.join('.'), message: `looks like ${hit.what}; secrets must come from the environment, never from the config file` });
    } else if (SECRET_KEY.test(key) && value.length > 0) {
      out.push({ path: path.join('.'), message: `"${key}" holds a secret value; set it in the environment instead (see README: Environment)` });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findSecrets(v, [...path, String(i)])));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...findSecrets(v, [...path, k]));
  }
  return out;
}
