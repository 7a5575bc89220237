/**
 * Where a deploy of one commit stands, read off the Application alone. Pure, so every
 * combination Argo CD can write is a table row in deploy-stage.test.ts.
 *
 *   committed → out of sync → syncing → progressing → healthy
 *
 * Stages may be skipped (an auto-sync can go from committed to Succeeded between two events);
 * the verdict depends only on the state, never on having seen the steps between.
 */
import { isRefreshedAfterOperation, operationRevisions, syncedRevisions, unhealthyResources, type Application } from './application.js';
import type { RevisionRelation } from './revision-lineage.js';
import { exactRelation } from './revision-lineage.js';

export const DEPLOY_STAGES = ['committed', 'out of sync', 'syncing', 'progressing', 'healthy'] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

export type DeployVerdict =
  | { done: false; stage: DeployStage }
  | { done: true; ok: true; revision: string }
  | { done: true; ok: false; reason: string }
  /** A newer change of the same file is what Argo CD runs: neither success nor failure of this deploy. */
  | { done: true; superseded: { by: string; jobId?: string } };

/** How a revision relates to the followed commit; undefined while it is still being found out. */
export type RelationOf = (revision: string) => RevisionRelation | undefined;

const stage = (s: DeployStage): DeployVerdict => ({ done: false, stage: s });

/** "Deployment web: Degraded: Deployment exceeded its progress deadline" — one line per resource, at most 5. */
export function unhealthyReason(app: Application): string {
  const bad = unhealthyResources(app).slice(0, 5);
  if (bad.length === 0) return '';
  return bad
    .map((r) => `${r.kind ?? '?'} ${r.name ?? '?'}: ${r.health?.status ?? '?'}${r.health?.message ? ` (${r.health.message})` : ''}`)
    .join('; ');
}

function degradedReason(app: Application, when: string): string {
  const parts = [`${app.name} is Degraded ${when}`, app.health.message, unhealthyReason(app)].filter(Boolean);
  return parts.join(': ');
}

/** The first of `revisions` that is (or contains, or supersedes) the followed commit. */
function related(revisions: string[], relationOf: RelationOf): { revision: string; relation: RevisionRelation } | undefined {
  for (const revision of revisions) {
    const relation = relationOf(revision);
    if (relation && relation.kind !== 'unrelated') return { revision, relation };
  }
  return undefined;
}

/**
 * `revision` is the deploy's commit; `relationOf` says how the revisions Argo CD reports relate
 * to it (default: only the commit itself counts). A later revision that contains the commit is
 * as good as the commit; one that changed the same file again supersedes the deploy.
 */
export function assessDeploy(app: Application, revision: string, relationOf: RelationOf = (r) => exactRelation(revision, r)): DeployVerdict {
  const synced = related(syncedRevisions(app), relationOf);
  const op = app.operationState;
  const opTarget = op ? related(operationRevisions(op), relationOf) : undefined;

  // Argo CD has moved on to a newer change of the same file: that deploy reports on it.
  for (const hit of [opTarget, synced]) {
    if (hit?.relation.kind === 'superseded') return { done: true, superseded: { by: hit.relation.by, jobId: hit.relation.jobId } };
  }
  const atTarget = synced !== undefined;
  const done = (): DeployVerdict => ({ done: true, ok: true, revision: synced?.revision ?? revision });

  if (op && opTarget) {
    switch (op.phase) {
      case 'Failed':
      case 'Error': {
        const why = [op.message, unhealthyReason(app)].filter(Boolean).join('; ');
        return { done: true, ok: false, reason: `the sync ${op.phase === 'Error' ? 'errored' : 'failed'}${why ? `: ${why}` : ''}` };
      }
      case 'Succeeded':
        // Until Argo CD has reconciled after the operation, health still describes the old state.
        if (!isRefreshedAfterOperation(app)) return stage('progressing');
        if (app.health.status === 'Degraded') return { done: true, ok: false, reason: degradedReason(app, 'after the sync') };
        if (app.health.status === 'Healthy' && atTarget) return done();
        return stage('progressing');
      default:
        // Running, Terminating, or a phase not written yet.
        return stage('syncing');
    }
  }
  if (!atTarget) return stage('committed');
  if (app.sync.status === 'OutOfSync') return stage('out of sync');
  if (app.sync.status === 'Synced') {
    // The commit changed nothing this app deploys (no operation needed), or was applied by
    // an operation Argo CD has since replaced in operationState: the live state is the commit's.
    if (!isRefreshedAfterOperation(app)) return stage('progressing');
    if (app.health.status === 'Healthy') return done();
    if (app.health.status === 'Degraded') return { done: true, ok: false, reason: degradedReason(app, 'at this revision') };
    return stage('progressing');
  }
  return stage('out of sync');
}
