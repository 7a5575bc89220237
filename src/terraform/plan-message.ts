import type { Message } from '../core/message.js';
import type { Diagnostic } from './errors.js';
import type { GroupAction, PlanSummary } from './plan-summary.js';
import { capLine } from './plan-text.js';

/**
 * What a reviewer reads in ten seconds: counts, addresses grouped by action (most alarming
 * first, "and N more"), destroys and replaces flagged loudly, no attribute values. Pure, so
 * every shape is table-tested.
 */

const VERB: Record<GroupAction, string> = {
  destroy: '⚠ DESTROY',
  replace: '⚠ REPLACE (destroy and re-create)',
  forget: 'forget (removed from state, kept in the cloud)',
  update: 'update in place',
  create: 'create',
  read: 'read',
};

export function countsLine(s: PlanSummary): string {
  const c = s.counts;
  const parts = [`${c.create} to add`, `${c.update} to change`, `${c.replace} to replace`, `${c.destroy} to destroy`];
  if (c.forget) parts.push(`${c.forget} to forget`);
  return parts.join(', ');
}

export function summaryLines(s: PlanSummary): string[] {
  const lines: string[] = [];
  for (const g of s.groups) {
    lines.push(`${VERB[g.action]} (${s.counts[g.action]}):`);
    for (const a of g.addresses) lines.push(`  ${a}`);
    if (g.more > 0) lines.push(`  … and ${g.more} more`);
  }
  if (s.outputs.length > 0) {
    lines.push(s.outputs.some((o) => o.hidden) ? 'outputs (values not posted for this stack):' : 'outputs:');
    for (const o of s.outputs) lines.push(`  ${o.name} (${o.action})${o.sensitive ? ': (sensitive)' : o.hidden ? '' : o.value !== undefined ? `: ${o.value}` : ': (known after apply)'}`);
  }
  if (s.drift.addresses.length > 0) {
    lines.push('changed outside Terraform since the last apply:');
    for (const a of s.drift.addresses) lines.push(`  ${a}`);
    if (s.drift.more > 0) lines.push(`  … and ${s.drift.more} more`);
  }
  return lines;
}

export function destructiveWarning(s: PlanSummary): string | undefined {
  if (!s.destructive) return undefined;
  const parts = [s.counts.destroy && `destroys ${s.counts.destroy}`, s.counts.replace && `replaces ${s.counts.replace}`].filter(Boolean);
  return `This plan ${parts.join(' and ')} resource${s.counts.destroy + s.counts.replace > 1 ? 's' : ''}.`;
}

export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 12) : 'no commit (plain directory)';
}

export interface PlanMessageInput {
  stack: string;
  summary: PlanSummary;
  commit: string | null;
  /** Absent for "no changes" and for drift reports. */
  plan?: { id: string; expiresAt: number; approvalsRequired: number; requesterMayApprove: boolean };
  /** Where the full plan text was written, when the chat cannot take attachments (console). */
  fullPlanPath?: string;
  planText?: string;
  /** The -var-files the plan was made with: the stack's, and those asked for with --var-file. */
  varFiles?: { stack: readonly string[]; extra: readonly string[] };
}

/** A reviewer approves what was planned, including which var files fed it. */
export function varFilesField(v: NonNullable<PlanMessageInput['varFiles']>): { label: string; value: string } {
  const all = [...v.stack, ...v.extra.map((f) => `${f} (--var-file)`)];
  return { label: 'Var files', value: all.length ? all.join(', ') : 'none' };
}

export function planMessage(input: PlanMessageInput): Message {
  const { stack, summary: s } = input;
  const fields = [{ label: 'Commit', value: shortCommit(input.commit) }];
  if (input.varFiles) fields.push(varFilesField(input.varFiles));
  if (s.noChanges) {
    return { status: 'success', title: `No changes: stack ${stack}`, text: 'The infrastructure matches the configuration. Nothing to approve.', fields };
  }
  const warning = destructiveWarning(s);
  const text = [warning && `⚠ ${warning.toUpperCase()}`, `Plan: ${countsLine(s)}.`].filter(Boolean).join('\n');
  const message: Message = { status: warning ? 'warning' : 'success', title: `Plan for stack ${stack}`, text, fields, code: summaryLines(s).join('\n') };
  if (input.plan) {
    const p = input.plan;
    fields.unshift({ label: 'Plan', value: p.id });
    fields.push({ label: 'Approval', value: `${p.approvalsRequired} approver${p.approvalsRequired > 1 ? 's' : ''}${p.requesterMayApprove ? '' : ', not the requester'}; valid until ${new Date(p.expiresAt).toISOString()}` });
    message.buttons = [
      // The id IS the text command: any adapter sends it back through the router unchanged.
      { action: { command: 'infra apply', args: [p.id] }, label: 'Approve', style: 'primary', ...(warning ? { confirm: `${warning} Apply plan ${p.id} to stack ${stack}?` } : {}) },
      { action: { command: 'infra reject', args: [p.id] }, label: 'Reject', style: 'danger' },
    ];
  }
  if (input.fullPlanPath) fields.push({ label: 'Full plan', value: input.fullPlanPath });
  if (input.planText !== undefined) message.attachment = { name: `plan-${input.plan?.id ?? stack}.txt`, content: input.planText };
  return message;
}

/** Diagnostics as a reviewer needs them: severity, summary, file:line, detail. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], limit = 5): string {
  const shown = diagnostics.filter((d) => d.severity === 'error').concat(diagnostics.filter((d) => d.severity === 'warning')).slice(0, limit);
  const lines = shown.map((d) => {
    const where = d.filename ? ` (${d.filename}${d.line !== undefined ? `:${d.line}` : ''})` : d.address ? ` (${d.address})` : '';
    // A diagnostic can quote the stack's values (an error about a 1 MB string): lines are capped.
    const detail = d.detail.trim().split('\n').slice(0, 6).map((l) => capLine(l, 300)).join('\n    ');
    return `${d.severity === 'error' ? 'Error' : 'Warning'}: ${capLine(d.summary, 300)}${where}${detail ? `\n    ${detail}` : ''}`;
  });
  if (diagnostics.length > shown.length) lines.push(`… and ${diagnostics.length - shown.length} more`);
  return lines.join('\n');
}
