/**
 * What a notification says (the "template" of notifications-engine): a neutral `Message` with
 * the app's sync status, revision, health, the operation's phase and message, and the
 * resources that are not healthy — what a person needs to act without opening Argo CD. Pure.
 */
import type { Trigger } from '../core/config/schema.js';
import type { Field, Message, MessageStatus, NoticeOutcome } from '../core/message.js';
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

/**
 * Where each trigger stands in an operation's life, for the one message that follows it: `rank`
 * orders states (a late-delivered "syncing" never replaces "synced"), `outcome` and `label` are
 * how a digest of many apps counts and lists it (failures first).
 */
export const NOTICE: Record<Trigger, { rank: number; outcome: NoticeOutcome; label: string }> = {
  'on-created': { rank: 0, outcome: 'info', label: 'created' },
  'on-sync-running': { rank: 1, outcome: 'running', label: 'syncing' },
  'on-sync-status-unknown': { rank: 2, outcome: 'warning', label: 'sync status Unknown' },
  'on-sync-succeeded': { rank: 3, outcome: 'succeeded', label: 'synced' },
  'on-deployed': { rank: 4, outcome: 'succeeded', label: 'deployed' },
  'on-sync-failed': { rank: 5, outcome: 'failed', label: 'failed to sync' },
  'on-health-degraded': { rank: 5, outcome: 'failed', label: 'degraded' },
  'on-deleted': { rank: 6, outcome: 'warning', label: 'deleted' },
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
    {
      label: 'Revision',
      value: revisionText(
        op && trigger !== 'on-sync-status-unknown' && trigger !== 'on-health-degraded' ? operationRevisions(op) : syncedRevisions(app),
        opts.repoWebUrl,
      ),
    },
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
