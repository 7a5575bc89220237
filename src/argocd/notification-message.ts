/**
 * What a notification says (the "template" of notifications-engine): a neutral `Message` with
 * the app's sync status, revision, health, the operation's phase and message, and the
 * resources that are not healthy — what a person needs to act without opening Argo CD. Pure.
 */
import type { Trigger } from '../core/config/schema.js';
import type { Field, Message, MessageStatus } from '../core/message.js';
import { operationRevisions, revisionText, syncedRevisions, unhealthyResources, type Application } from './application.js';

const HEADLINE: Record<Trigger, { status: MessageStatus; verb: string }> = {
  'on-created': { status: 'info', verb: 'was created' },
  'on-deleted': { status: 'warning', verb: 'was deleted' },
  'on-deployed': { status: 'success', verb: 'is deployed: synced and healthy' },
  'on-health-degraded': { status: 'failure', verb: 'is degraded' },
  'on-sync-failed': { status: 'failure', verb: 'failed to sync' },
  'on-sync-running': { status: 'progress', verb: 'is syncing' },
  'on-sync-status-unknown': { status: 'warning', verb: 'has sync status Unknown' },
  'on-sync-succeeded': { status: 'success', verb: 'synced' },
};

/** At most this many unhealthy resources are listed; the rest are counted (chat messages stay readable). */
const MAX_RESOURCES = 10;

export function resourceLines(app: Application): string | undefined {
  const bad = unhealthyResources(app);
  if (bad.length === 0) return undefined;
  const lines = bad.slice(0, MAX_RESOURCES).map((r) => {
    const where = r.namespace ? `${r.namespace}/` : '';
    const why = r.health?.message ? `: ${r.health.message}` : '';
    return `${r.kind ?? '?'} ${where}${r.name ?? '?'} ${r.health?.status ?? '?'}${why}`;
  });
  if (bad.length > MAX_RESOURCES) lines.push(`… and ${bad.length - MAX_RESOURCES} more`);
  return lines.join('\n');
}

export function initiator(app: Application): string | undefined {
  const by = app.operationState?.initiatedBy;
  if (!by) return undefined;
  return by.automated ? 'automated sync' : by.username;
}

export function renderNotification(app: Application, trigger: Trigger, opts: { repoWebUrl?: string } = {}): Message {
  const head = HEADLINE[trigger];
  const op = app.operationState;
  const fields: Field[] = [
    { label: 'Sync', value: app.sync.status ?? 'unknown' },
    { label: 'Revision', value: revisionText(op && trigger !== 'on-sync-status-unknown' && trigger !== 'on-health-degraded' ? operationRevisions(op) : syncedRevisions(app), opts.repoWebUrl) },
    { label: 'Health', value: app.health.status ?? 'unknown' },
  ];
  if (op?.phase) fields.push({ label: 'Operation', value: op.phase + (initiator(app) ? ` (by ${initiator(app)})` : '') });
  if (app.project) fields.push({ label: 'Project', value: app.project });
  const text = [op?.message && trigger !== 'on-created' && trigger !== 'on-deleted' ? op.message : undefined, app.health.message]
    .filter((s): s is string => s !== undefined)
    .join('\n');
  return {
    status: head.status,
    title: `${app.name} ${head.verb}`,
    text: text || undefined,
    fields,
    code: trigger === 'on-created' || trigger === 'on-deleted' ? undefined : resourceLines(app),
    context: `Argo CD Application ${app.namespace}/${app.name}`,
  };
}
