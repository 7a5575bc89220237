/**
 * When a notification is owed: the conditions of Argo CD Notifications' built-in catalog
 * (argoproj/argo-cd notifications_catalog/triggers/*.yaml), each with a once-per key that names
 * WHAT happened — an operation (its `startedAt` and revision), or a status at a revision — and
 * never "a change was seen". So a key is the same however many times (or however late) the app
 * is evaluated, and Running+Succeeded coalesced into one event still yields Succeeded's key.
 *
 * Pure: no clock, no I/O.
 */
import type { Trigger } from '../core/config/schema.js';
import { appIdentity, isRefreshedAfterOperation, operationRevisions, syncedRevisions, type Application } from './application.js';

export interface TriggerHit {
  trigger: Trigger;
  /** What this notification is about; announce at most once per (app, trigger, oncePer). */
  oncePer: string;
  /** Messages with the same group key are about one operation of one app (thread them). */
  groupKey: string;
}

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** The revision an operation is about, joined for multi-source apps; `?` when Argo CD recorded none. */
function operationRevision(app: Application): string {
  const revs = app.operationState ? operationRevisions(app.operationState) : [];
  return revs.length > 0 ? revs.join(',') : '?';
}

function statusRevision(app: Application): string {
  const revs = syncedRevisions(app);
  return revs.length > 0 ? revs.join(',') : '?';
}

/** The identity of the current operation: Argo CD stamps `startedAt` once per operation. */
export function operationKey(app: Application): string {
  return `op:${app.operationState?.startedAt ?? '?'}@${operationRevision(app)}`;
}

/** Same for every trigger about one operation of one app, so a chat can thread them. */
export function groupKey(app: Application): string {
  const op = app.operationState?.startedAt;
  return op ? `${appIdentity(app)}|op:${op}` : `${appIdentity(app)}|rev:${statusRevision(app)}`;
}

/**
 * The triggers that hold for `app` as it is now. `deleted` is true for a DELETED watch event
 * (the object is gone, not just marked for deletion).
 */
export function evaluateTriggers(app: Application, opts: { deleted?: boolean } = {}): TriggerHit[] {
  const hits: TriggerHit[] = [];
  const group = groupKey(app);
  const hit = (trigger: Trigger, oncePer: string) => hits.push({ trigger, oncePer, groupKey: group });
  // The catalog keys these by metadata.name; the uid is used instead so an app deleted and
  // created again under the same name is announced again.
  const lifetime = `app:${appIdentity(app)}`;

  if (opts.deleted || app.deletionTimestamp) {
    hit('on-deleted', lifetime);
    return hits;
  }
  // catalog: `when: true` — evaluated for every app that exists.
  hit('on-created', lifetime);

  // Argo CD skips everything else for an app with no status, or whose status predates the end
  // of its operation (see isRefreshedAfterOperation).
  if (app.statusMissing || !isRefreshedAfterOperation(app)) return hits;

  const op = app.operationState;
  const phase = op?.phase;
  if (phase === 'Running') hit('on-sync-running', operationKey(app));
  if (phase === 'Succeeded') hit('on-sync-succeeded', operationKey(app));
  if (phase === 'Error' || phase === 'Failed') hit('on-sync-failed', operationKey(app));
  if (phase === 'Succeeded' && app.health.status === 'Healthy' && healthNotBeforeFinish(app)) {
    hit('on-deployed', operationKey(app));
  }
  if (app.health.status === 'Degraded') hit('on-health-degraded', `rev:${statusRevision(app)}|health:Degraded`);
  if (app.sync.status === 'Unknown') hit('on-sync-status-unknown', `rev:${statusRevision(app)}|sync:Unknown`);
  return hits;
}

/**
 * catalog on-deployed: `!time.Parse(health.lastTransitionTime).Before(time.Parse(finishedAt))`
 * — Healthy must be a verdict reached after the sync. `health.lastTransitionTime` is optional
 * in the CRD and not always written, so when it is absent the refresh check above
 * (reconciledAt ≥ finishedAt) is what says the health is current.
 */
function healthNotBeforeFinish(app: Application): boolean {
  const since = time(app.health.lastTransitionTime);
  const finished = time(app.operationState?.finishedAt);
  if (since === undefined || finished === undefined) return true;
  return since >= finished;
}
