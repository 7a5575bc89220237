/**
 * Application objects as Argo CD's application controller writes them, for table tests and
 * for status patches against the real API server.
 */
import { parseApplication, type Application } from '../../src/argocd/application.js';

export const REV_A = 'a'.repeat(40);
export const REV_B = '0123456789abcdef0123456789abcdef01234567';

export type Raw = Record<string, unknown>;

export const T0 = '2026-11-25T10:00:00Z';
export const T1 = '2026-11-25T10:00:05Z';
export const T2 = '2026-11-25T10:00:10Z';
export const T3 = '2026-11-25T10:00:20Z';

/** An operation as Argo CD records it in status.operationState. */
export function operation(phase: string, revision: string, startedAt = T1, finishedAt?: string, message?: string): Raw {
  return {
    phase,
    message: message ?? (phase === 'Running' ? 'waiting for completion of hook batch/Job/migrate' : `successfully synced (all tasks run)`),
    startedAt,
    // null: a JSON merge patch deletes what an earlier operation left (Argo CD replaces the whole operationState).
    finishedAt: finishedAt ?? null,
    operation: { sync: { revision }, initiatedBy: { username: 'alice' } },
    syncResult: phase === 'Running' ? null : { revision },
  };
}

/** A status: sync, health, optional operation, reconciledAt. */
export function status(opts: {
  sync?: string;
  revision?: string;
  health?: string;
  op?: Raw;
  reconciledAt?: string;
  resources?: Raw[];
  healthMessage?: string;
}): Raw {
  return {
    sync: { status: opts.sync ?? 'Synced', revision: opts.revision ?? REV_A },
    health: { status: opts.health ?? 'Healthy', ...(opts.healthMessage ? { message: opts.healthMessage } : {}) },
    ...(opts.op ? { operationState: opts.op } : {}),
    reconciledAt: opts.reconciledAt ?? T0,
    ...(opts.resources ? { resources: opts.resources } : {}),
  };
}

export function rawApp(name: string, st: Raw | undefined, meta: Raw = {}): Raw {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: T0, ...meta },
    spec: { project: 'default', source: { repoURL: 'https://example.invalid/gitops.git', path: `apps/${name}` }, destination: { namespace: name } },
    ...(st ? { status: st } : {}),
  };
}

export function app(name: string, st: Raw | undefined, meta: Raw = {}): Application {
  const a = parseApplication(rawApp(name, st, meta));
  if (!a) throw new Error('fixture is not an Application');
  return a;
}

/** RFC 3339 seconds after T0, as Argo CD writes timestamps. */
export function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}
