import type { Redis } from 'ioredis';
import type { Redactor } from './redact.js';

export type AuditResult =
  | 'accepted'
  | 'denied'
  | 'invalid'
  | 'unavailable'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  /** A job that answered instead of acting ("not connected to a cluster"). */
  | 'answered'
  /** A job that found it could not act ("not in the history"): nothing done. */
  | 'refused'
  | 'approved'
  | 'rejected'
  /** Past a per-person rate limit: nothing was run. */
  | 'limited'
  | 'info';

export interface AuditEntry {
  time: string;
  actor: string;
  platform: string;
  action: string;
  target: string;
  result: AuditResult;
  detail?: string;
  job?: string;
}

export const AUDIT_STREAM = 'opsbot:audit';
/** Bounded so Redis does not grow forever; ~ lets Redis trim in whole nodes (cheap). */
const AUDIT_MAXLEN = 100_000;

/**
 * Longest value kept per field. A reply quoted in `detail` is a few hundred characters; with the
 * cap an entry stays under ~2 KB, so the stream's worst case is bounded (AUDIT_MAXLEN × ~2 KB),
 * whatever someone types.
 */
export const AUDIT_FIELD_MAX = 600;

/** Fields in opsbot's own vocabulary: never a secret, and their values must survive as they are. */
const STRUCTURE = new Set(['time', 'platform', 'result']);

/** Append-only record of every command outcome and every job outcome, in a Redis stream. */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly redactor: Redactor,
  ) {}

  async append(entry: Omit<AuditEntry, 'time'> & { time?: string }): Promise<void> {
    const full: AuditEntry = { time: entry.time ?? new Date().toISOString(), ...entry };
    const fields: string[] = [];
    for (const [k, v] of Object.entries(full)) {
      if (v !== undefined) fields.push(k, capped(STRUCTURE.has(k) ? String(v) : this.redactor.redact(String(v))));
    }
    await this.redis.xadd(AUDIT_STREAM, 'MAXLEN', '~', String(AUDIT_MAXLEN), '*', ...fields);
  }

  /** The last `n` entries, newest first. */
  async recent(n: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', n);
    return rows.map(([, fields]) => {
      const obj: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) obj[fields[i]!] = fields[i + 1]!;
      return obj as unknown as AuditEntry;
    });
  }
}

/** Cut after redaction, so the redactor saw the whole value. */
function capped(value: string): string {
  if (value.length <= AUDIT_FIELD_MAX) return value;
  const note = `… (${value.length} chars)`;
  return value.slice(0, AUDIT_FIELD_MAX - note.length) + note;
}
