/**
 * The commit message of a deploy, and its reading back for /history. The subject is what people
 * see in `git log --oneline`; the trailers are what opsbot relies on (`Opsbot-Job` makes retries
 * idempotent, `Requested-by` puts a person's name on the change).
 *
 *   deploy(web): 1.4.2 → 1.5.0 [prod]
 *
 *   Requested-by: Alice Example (slack:U024BE7LH)
 *   Opsbot-Job: 1842
 */
export interface Requester {
  name: string;
  /** `slack`, `telegram`, `console` */
  platform: string;
  id: string;
}

export interface DeployMessage {
  verb: 'deploy' | 'rollback';
  app: string;
  env: string;
  from: string | null;
  to: string;
  requestedBy?: Requester;
  jobId?: string;
  /** Free text between subject and trailers (a reason, a link). */
  body?: string;
}

export const JOB_TRAILER = 'Opsbot-Job';
/** What a job id may look like before it reaches `git log --grep` and a commit message. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const SUBJECT = /^(deploy|rollback)\(([^)\s]+)\): (\S+) → (\S+) \[([^\]\s]+)\]$/;
const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$/;
const REQUESTER = /^(.*) \(([a-z]+):([^()\s]+)\)$/;

/** One line, no control characters: a display name cannot inject trailers or a fake subject. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

/** The trailer that puts a person's name on a change opsbot commits. */
export function requestedByTrailer(r: Requester): string {
  return `Requested-by: ${oneLine(r.name)} (${r.platform}:${r.id})`;
}

export function formatDeployMessage(m: DeployMessage): string {
  const lines = [`${m.verb}(${m.app}): ${m.from ?? 'none'} → ${m.to} [${m.env}]`, ''];
  if (m.body?.trim()) lines.push(m.body.trim(), '');
  if (m.requestedBy) lines.push(requestedByTrailer(m.requestedBy));
  if (m.jobId) lines.push(`${JOB_TRAILER}: ${m.jobId}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The trailers of a message: the `Key: value` lines of its last paragraph. */
export function parseTrailers(message: string): Map<string, string> {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? paragraphs[paragraphs.length - 1]! : '';
  const out = new Map<string, string>();
  const lines = last.split('\n');
  if (!lines.every((l) => TRAILER_LINE.test(l))) return out;
  for (const l of lines) {
    const m = TRAILER_LINE.exec(l)!;
    out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

export function parseDeployMessage(message: string): DeployMessage | null {
  const subject = message.split('\n', 1)[0]!.trim();
  const m = SUBJECT.exec(subject);
  if (!m) return null;
  return {
    verb: m[1] as 'deploy' | 'rollback',
    app: m[2]!,
    from: m[3] === 'none' ? null : m[3]!,
    to: m[4]!,
    env: m[5]!,
    ...whoAndJob(message),
  };
}

/**
 * A group deploy: one commit for several apps, each named in the subject and with its own line
 * in the body. Its subject has no arrow (the apps may come from different versions), so
 * `parseDeployMessage` does not take it for one app's deploy: the history of each file reads
 * the app's tag from the file at that commit instead.
 *
 *   deploy(bot-mat,bot-prod): 1.5.0 [prod]
 *
 *   bot-mat: 1.4.2 → 1.5.0
 *   bot-prod: 1.4.1 → 1.5.0
 *
 *   App-Group: bots
 *   Requested-by: Alice Example (slack:U024BE7LH)
 *   Opsbot-Job: 1842
 */
export interface GroupDeployMessage {
  env: string;
  /** What was asked for: the tag (or digest) as typed. */
  ref: string;
  /** Each app's change, in the order asked; `changed: false` when the app was already at `to`. */
  changes: { app: string; from: string | null; to: string; changed: boolean }[];
  group?: string;
  requestedBy?: Requester;
  jobId?: string;
  /** Free text between the per-app lines and the trailers. */
  body?: string;
}

export const GROUP_TRAILER = 'App-Group';
const GROUP_SUBJECT = /^deploy\(([a-z0-9-]+(?:,[a-z0-9-]+)*)\): (\S+) \[([^\]\s]+)\]$/;

export function formatGroupDeployMessage(m: GroupDeployMessage): string {
  const lines = [`deploy(${m.changes.map((c) => c.app).join(',')}): ${m.ref} [${m.env}]`, ''];
  for (const c of m.changes) lines.push(c.changed ? `${c.app}: ${c.from ?? 'none'} → ${c.to}` : `${c.app}: already at ${c.to}`);
  lines.push('');
  if (m.body?.trim()) lines.push(m.body.trim(), '');
  if (m.group) lines.push(`${GROUP_TRAILER}: ${m.group}`);
  if (m.requestedBy) lines.push(requestedByTrailer(m.requestedBy));
  if (m.jobId) lines.push(`${JOB_TRAILER}: ${m.jobId}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Who asked for a group deploy and which job made it (the apps' tags are read from the files). */
export function parseGroupDeployMessage(message: string): { apps: string[]; ref: string; env: string; requestedBy?: Requester; jobId?: string } | null {
  const m = GROUP_SUBJECT.exec(message.split('\n', 1)[0]!.trim());
  if (!m) return null;
  return { apps: m[1]!.split(','), ref: m[2]!, env: m[3]!, ...whoAndJob(message) };
}

/** The `Requested-by` and `Opsbot-Job` trailers of one of opsbot's commits. */
function whoAndJob(message: string): { requestedBy?: Requester; jobId?: string } {
  const trailers = parseTrailers(message);
  const req = REQUESTER.exec(trailers.get('Requested-by') ?? '');
  const jobId = trailers.get(JOB_TRAILER);
  return { ...(req ? { requestedBy: { name: req[1]!, platform: req[2]!, id: req[3]! } } : {}), ...(jobId ? { jobId } : {}) };
}

/** Adds the job trailer unless the caller's message already carries it. */
export function withJobTrailer(message: string, jobId: string): string {
  const trailers = parseTrailers(message);
  if (trailers.get(JOB_TRAILER) === jobId) return message.endsWith('\n') ? message : `${message}\n`;
  const text = message.trimEnd();
  const joiner = trailers.size > 0 ? '\n' : '\n\n';
  return `${text}${joiner}${JOB_TRAILER}: ${jobId}\n`;
}
