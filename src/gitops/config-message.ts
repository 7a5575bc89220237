import { JOB_TRAILER, requestedByTrailer, type Requester } from './deploy-message.js';
import type { KeyChange } from './editors/config-place.js';

/**
 * The commit message of a `/config` change: the subject names the keys (never their values, so
 * `git log --oneline` stays short), the body says what each became, the trailers who asked and
 * which job (the job trailer makes a retry find its commit instead of committing again).
 *
 *   config(worker): set LOG_LEVEL [prod]
 *
 *   LOG_LEVEL: info → debug
 *
 *   Requested-by: Alice Example (slack:U024BE7LH)
 *   Opsbot-Job: 12-3f9a1c2e
 */
export interface ConfigMessage {
  app: string;
  env: string;
  changes: readonly KeyChange[];
  /** `Deployment/worker`, when the pods were restarted with the change. */
  restarted?: string;
  requestedBy?: Requester;
  jobId?: string;
}

export function configSubject(app: string, env: string, changes: readonly KeyChange[], restarted?: string): string {
  const set = changes.filter((c) => c.new !== null).map((c) => c.key);
  const unset = changes.filter((c) => c.new === null).map((c) => c.key);
  const parts = [set.length ? `set ${set.join(', ')}` : '', unset.length ? `unset ${unset.join(', ')}` : '', restarted ? `restart ${restarted}` : ''].filter(Boolean);
  return `config(${app}): ${parts.join('; ')} [${env}]`;
}

export function describeChange(c: KeyChange): string {
  if (c.new === null) return `${c.key}: removed (was ${c.old ?? 'empty'})`;
  return `${c.key}: ${c.old ?? '(new)'} → ${c.new}`;
}

export function formatConfigMessage(m: ConfigMessage): string {
  const lines = [configSubject(m.app, m.env, m.changes, m.restarted), ''];
  lines.push(...m.changes.map(describeChange));
  if (m.restarted) lines.push(`Restarted: ${m.restarted} (kubectl.kubernetes.io/restartedAt)`);
  lines.push('');
  if (m.requestedBy) lines.push(requestedByTrailer(m.requestedBy));
  if (m.jobId) lines.push(`${JOB_TRAILER}: ${m.jobId}`);
  return `${lines.join('\n').trimEnd()}\n`;
}
