/**
 * Git prints remote URLs and sometimes headers in its errors. Everything git says passes through
 * here before it reaches an error message, a log or a chat.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // https://user:pass@host and https://token@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@'],
  [/x-access-token:[^@\s]+/gi, 'x-access-token:***'],
  [/(authorization:\s*)(basic|bearer|token)\s+[^\s'"]+/gi, '$1$2 ***'],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, '***'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, '***'],
  [/\bglpat-[A-Za-z0-9_-]{20,}\b/g, '***'],
];

export function redactGitOutput(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
