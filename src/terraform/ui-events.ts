import { z } from 'zod';
import type { Diagnostic, LockInfo } from './errors.js';

/**
 * Typed events from the machine-readable UI (`tofu plan|apply -json`, one JSON object per
 * line). Only what opsbot reports is kept; in particular resource IDs (`id_value`) are
 * dropped and output values are kept only when tofu marks them non-sensitive.
 */

interface Base {
  level: string;
  message: string;
  timestamp?: string;
}

export type HookType = 'apply_start' | 'apply_progress' | 'apply_complete' | 'apply_errored';
export type ProvisionType = 'provision_start' | 'provision_progress' | 'provision_complete' | 'provision_errored';

export interface UiOutput {
  sensitive: boolean;
  action?: string;
  value?: unknown;
}

export type UiEvent =
  | (Base & { type: 'version'; version: string; ui: string })
  | (Base & { type: 'diagnostic'; diagnostic: Diagnostic })
  | (Base & { type: 'planned_change' | 'resource_drift'; address: string; action: string; reason?: string })
  | (Base & { type: 'change_summary'; operation: string; add: number; change: number; remove: number; import: number; forget: number })
  | (Base & { type: HookType; address: string; action: string; elapsedSeconds?: number })
  | (Base & { type: ProvisionType; address: string; provisioner: string; output?: string })
  | (Base & { type: 'refresh_start' | 'refresh_complete'; address: string })
  | (Base & { type: 'outputs'; outputs: Record<string, UiOutput> })
  | (Base & { type: 'log' })
  /** A line that is not JSON (e.g. a crash trace), or a JSON type this parser does not know. */
  | (Base & { type: 'text' | 'unknown'; rawType?: string });

const envelope = z.looseObject({
  '@level': z.string(),
  '@message': z.string(),
  '@timestamp': z.string().optional(),
  type: z.string().optional(),
});
const resource = z.looseObject({ addr: z.string() });
const hook = z.looseObject({
  resource,
  action: z.string().optional(),
  elapsed_seconds: z.number().optional(),
  provisioner: z.string().optional(),
  output: z.string().optional(),
});
const change = z.looseObject({ resource, action: z.string(), reason: z.string().optional() });
const pos = z.looseObject({ line: z.number() });
const diagnostic = z.looseObject({
  severity: z.enum(['error', 'warning']),
  summary: z.string(),
  detail: z.string().optional(),
  address: z.string().optional(),
  range: z.looseObject({ filename: z.string(), start: pos }).optional(),
});
const counts = z.looseObject({
  add: z.number(),
  change: z.number(),
  remove: z.number(),
  import: z.number().optional(),
  forget: z.number().optional(),
  operation: z.string(),
});
const outputs = z.record(
  z.string(),
  z.looseObject({ sensitive: z.boolean(), action: z.string().optional(), value: z.unknown().optional() }),
);

/** Parses one line; undefined for a blank line. Never throws. */
export function parseUiLine(line: string): UiEvent | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { type: 'text', level: 'info', message: text };
  }
  const env = envelope.safeParse(json);
  if (!env.success) return { type: 'text', level: 'info', message: text };
  const raw = env.data;
  const base: Base = { level: raw['@level'], message: raw['@message'], timestamp: raw['@timestamp'] };
  return toEvent(raw.type ?? '', raw, base) ?? { ...base, type: 'unknown', rawType: raw.type };
}

function toEvent(type: string, raw: Record<string, unknown>, base: Base): UiEvent | undefined {
  switch (type) {
    case 'version':
      // OpenTofu says "tofu", Terraform says "terraform".
      return { ...base, type, version: String(raw.tofu ?? raw.terraform ?? ''), ui: String(raw.ui ?? '') };
    case 'diagnostic': {
      const d = diagnostic.safeParse(raw.diagnostic);
      if (!d.success) return undefined;
      const { severity, summary, detail, address, range } = d.data;
      return { ...base, type, diagnostic: { severity, summary, detail: detail ?? '', address, filename: range?.filename, line: range?.start.line } };
    }
    case 'planned_change':
    case 'resource_drift': {
      const c = change.safeParse(raw.change);
      return c.success ? { ...base, type, address: c.data.resource.addr, action: c.data.action, reason: c.data.reason } : undefined;
    }
    case 'change_summary': {
      const c = counts.safeParse(raw.changes);
      if (!c.success) return undefined;
      const { operation, add, change: changed, remove } = c.data;
      return { ...base, type, operation, add, change: changed, remove, import: c.data.import ?? 0, forget: c.data.forget ?? 0 };
    }
    case 'apply_start':
    case 'apply_progress':
    case 'apply_complete':
    case 'apply_errored': {
      const h = hook.safeParse(raw.hook);
      return h.success ? { ...base, type, address: h.data.resource.addr, action: h.data.action ?? '', elapsedSeconds: h.data.elapsed_seconds } : undefined;
    }
    case 'provision_start':
    case 'provision_progress':
    case 'provision_complete':
    case 'provision_errored': {
      const h = hook.safeParse(raw.hook);
      return h.success ? { ...base, type, address: h.data.resource.addr, provisioner: h.data.provisioner ?? '', output: h.data.output } : undefined;
    }
    case 'refresh_start':
    case 'refresh_complete': {
      const h = hook.safeParse(raw.hook);
      return h.success ? { ...base, type, address: h.data.resource.addr } : undefined;
    }
    case 'outputs': {
      const o = outputs.safeParse(raw.outputs);
      if (!o.success) return undefined;
      const safe: Record<string, UiOutput> = {};
      for (const [name, out] of Object.entries(o.data)) {
        safe[name] = out.sensitive ? { sensitive: true, action: out.action } : { sensitive: false, action: out.action, value: out.value };
      }
      return { ...base, type, outputs: safe };
    }
    case 'log':
      return { ...base, type };
    default:
      return undefined;
  }
}

export function parseUiLines(text: string): UiEvent[] {
  return text.split('\n').flatMap((line) => parseUiLine(line) ?? []);
}

export function diagnosticsOf(events: readonly UiEvent[]): Diagnostic[] {
  return events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
}

const LOCK_FIELDS: Record<string, keyof LockInfo> = {
  ID: 'id',
  Path: 'path',
  Operation: 'operation',
  Who: 'who',
  Version: 'version',
  Created: 'created',
  Info: 'info',
};

/** Reads the "Lock Info:" block of an "Error acquiring the state lock" diagnostic. */
export function parseLockInfo(detail: string): LockInfo | undefined {
  const start = detail.indexOf('Lock Info:');
  if (start < 0) return undefined;
  const info: LockInfo = {};
  for (const line of detail.slice(start).split('\n').slice(1)) {
    const m = /^\s+([A-Za-z]+):\s*(.*)$/.exec(line);
    if (!m) break;
    const key = LOCK_FIELDS[m[1] ?? ''];
    const value = (m[2] ?? '').trim();
    if (key && value !== '') info[key] = value;
  }
  return info;
}
