/**
 * The parts of an Argo CD Application (argoproj.io/v1alpha1) that opsbot reads, read tolerantly:
 * the API server validates Argo CD's CRD only loosely (and anyone with `patch` may write any
 * status, since the CRD has no status subresource), so a missing or malformed field becomes
 * `undefined` — reading an Application never throws. Only an object without a name or namespace
 * is not an Application (`parseApplication` returns undefined).
 */

export interface ApplicationSource {
  repoURL?: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  /** The tool the spec names (`kustomize:`, `helm:`, `directory:` or `plugin:` block), when it names one. */
  tool?: 'kustomize' | 'helm' | 'directory' | 'plugin';
  /** `directory.recurse`: plain manifests are read from subdirectories too. */
  recurse?: boolean;
}

export interface ApplicationResource {
  /** API group: `apps` for Deployments; absent for the core group. */
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** Sync status of the resource: Synced, OutOfSync, Unknown. */
  status?: string;
  health?: { status?: string; message?: string };
}

export interface OperationState {
  /** Running, Terminating, Failed, Error, Succeeded. */
  phase?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** `syncResult.revision`: the revision the operation synced (single source). */
  syncRevision?: string;
  /** `syncResult.revisions`: one per source (multi-source Applications). */
  syncRevisions: string[];
  /** `operation.sync.revision(s)`: what was asked for, known while the operation still runs. */
  requestedRevisions: string[];
  initiatedBy?: { username?: string; automated: boolean };
  /**
   * Failed attempts so far. Argo CD 3.x retries a failed automated sync (5 times by default, with
   * backoff): between attempts the phase is Running again and `message` holds the last failure.
   */
  retryCount: number;
}

/** `status.conditions`: ComparisonError (the repo-server could not render the source), SyncError, InvalidSpecError, …Warning. */
export interface ApplicationCondition {
  type: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Application {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  project?: string;
  destinationNamespace?: string;
  sources: ApplicationSource[];
  sync: { status?: string; revision?: string; revisions: string[] };
  health: { status?: string; message?: string; lastTransitionTime?: string };
  operationState?: OperationState;
  resources: ApplicationResource[];
  conditions: ApplicationCondition[];
  reconciledAt?: string;
  observedAt?: string;
  /** `status.sourceType`: what Argo CD found at the source (Kustomize, Helm, Directory, Plugin). */
  sourceType?: string;
  /** True when the object had no `status` at all (Argo CD has not reconciled it yet). */
  statusMissing: boolean;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : [];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v) ?? {})) if (typeof val === 'string') out[k] = val;
  return out;
}

function source(v: unknown): ApplicationSource | undefined {
  const s = obj(v);
  if (!s) return undefined;
  const tool = (['kustomize', 'helm', 'directory', 'plugin'] as const).find((t) => obj(s[t]) !== undefined);
  const recurse = obj(s.directory)?.recurse === true;
  return {
    repoURL: str(s.repoURL),
    path: str(s.path),
    chart: str(s.chart),
    targetRevision: str(s.targetRevision),
    ...(tool ? { tool } : {}),
    ...(recurse ? { recurse } : {}),
  };
}

function resource(v: unknown): ApplicationResource | undefined {
  const r = obj(v);
  if (!r) return undefined;
  const h = obj(r.health);
  return {
    group: str(r.group),
    version: str(r.version),
    kind: str(r.kind),
    name: str(r.name),
    namespace: str(r.namespace),
    status: str(r.status),
    health: h ? { status: str(h.status), message: str(h.message) } : undefined,
  };
}

function condition(v: unknown): ApplicationCondition | undefined {
  const c = obj(v);
  const type = str(c?.type);
  if (!c || !type) return undefined;
  return { type, message: str(c.message), lastTransitionTime: str(c.lastTransitionTime) };
}

function operationState(v: unknown): OperationState | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const result = obj(o.syncResult);
  const operation = obj(o.operation);
  const requested = obj(operation?.sync);
  const by = obj(operation?.initiatedBy);
  const requestedRevision = str(requested?.revision);
  return {
    phase: str(o.phase),
    message: str(o.message),
    startedAt: str(o.startedAt),
    finishedAt: str(o.finishedAt),
    syncRevision: str(result?.revision),
    syncRevisions: strings(result?.revisions),
    requestedRevisions: requestedRevision ? [requestedRevision, ...strings(requested?.revisions)] : strings(requested?.revisions),
    initiatedBy: by ? { username: str(by.username), automated: by.automated === true } : undefined,
    retryCount: typeof o.retryCount === 'number' && Number.isInteger(o.retryCount) && o.retryCount > 0 ? o.retryCount : 0,
  };
}

export function parseApplication(raw: unknown): Application | undefined {
  const root = obj(raw);
  const meta = obj(root?.metadata);
  const name = str(meta?.name);
  const namespace = str(meta?.namespace);
  if (!root || !meta || !name || !namespace) return undefined;
  const spec = obj(root.spec);
  const status = obj(root.status);
  const sync = obj(status?.sync);
  const health = obj(status?.health);
  const single = source(spec?.source);
  const many = Array.isArray(spec?.sources) ? spec.sources.map(source).filter((s): s is ApplicationSource => s !== undefined) : [];
  const syncRevision = str(sync?.revision);
  return {
    name,
    namespace,
    uid: str(meta.uid),
    resourceVersion: str(meta.resourceVersion),
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    creationTimestamp: str(meta.creationTimestamp),
    deletionTimestamp: str(meta.deletionTimestamp),
    project: str(spec?.project),
    destinationNamespace: str(obj(spec?.destination)?.namespace),
    sources: many.length > 0 ? many : single ? [single] : [],
    sync: { status: str(sync?.status), revision: syncRevision, revisions: strings(sync?.revisions) },
    health: { status: str(health?.status), message: str(health?.message), lastTransitionTime: str(health?.lastTransitionTime) },
    operationState: operationState(status?.operationState),
    resources: Array.isArray(status?.resources) ? status.resources.map(resource).filter((r): r is ApplicationResource => r !== undefined) : [],
    conditions: Array.isArray(status?.conditions) ? status.conditions.map(condition).filter((c): c is ApplicationCondition => c !== undefined) : [],
    reconciledAt: str(status?.reconciledAt),
    observedAt: str(status?.observedAt),
    sourceType: str(status?.sourceType),
    statusMissing: status === undefined,
  };
}

/** The revisions an Application is synced to: `sync.revisions` (multi-source) or `sync.revision`. */
export function syncedRevisions(app: Application): string[] {
  return app.sync.revisions.length > 0 ? app.sync.revisions : app.sync.revision ? [app.sync.revision] : [];
}

/** The revisions an operation synced (or, while it runs, was asked to sync). */
export function operationRevisions(op: OperationState): string[] {
  if (op.syncRevisions.length > 0) return op.syncRevisions;
  if (op.syncRevision) return [op.syncRevision];
  return op.requestedRevisions;
}

/** A full or abbreviated commit SHA matches the other when one is a prefix of the other (≥ 7 chars, git's default). */
export function sameRevision(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  if (Math.min(x.length, y.length) < 7 || !/^[0-9a-f]+$/.test(x) || !/^[0-9a-f]+$/.test(y)) return false;
  return x.startsWith(y) || y.startsWith(x);
}

/** 7 characters, as git abbreviates by default; anything that is not a SHA (a tag, a chart version) is kept whole. */
export function shortRevision(rev: string | undefined): string {
  if (!rev) return 'unknown';
  return /^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

/** A stable identity of the Application: its uid, or namespace/name when the uid is unknown. */
export function appIdentity(app: Pick<Application, 'uid' | 'namespace' | 'name'>): string {
  return app.uid ?? `${app.namespace}/${app.name}`;
}

/** The resources that are not healthy, with Argo CD's reason — what a person needs to see first. */
export function unhealthyResources(app: Application): ApplicationResource[] {
  return app.resources.filter((r) => r.health?.status !== undefined && r.health.status !== 'Healthy');
}

/**
 * Conditions that stop Argo CD from syncing or comparing (ComparisonError, InvalidSpecError,
 * SyncError, UnknownError, …): by Argo CD's naming, every type ending in `Error`. Warnings
 * (OrphanedResourceWarning, …) do not block anything.
 */
export function errorConditions(app: Application): ApplicationCondition[] {
  return app.conditions.filter((c) => c.type.endsWith('Error'));
}

/** Web links for commit SHAs when the repository's web address is known: `0123456 (https://…/commit/0123456…)`. */
export function revisionText(revs: string[], repoWebUrl?: string): string {
  if (revs.length === 0) return 'unknown';
  return revs
    .map((r) => (repoWebUrl && /^[0-9a-f]{40}$/i.test(r) ? `${shortRevision(r)} (${repoWebUrl.replace(/\/$/, '')}/commit/${r})` : shortRevision(r)))
    .join(', ');
}

const FINISHED_PHASES = new Set(['Succeeded', 'Failed', 'Error']);

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Argo CD's notifications controller skips an app whose operation finished after its last
 * reconcile (`isAppSyncStatusRefreshed` in notification_controller/controller/controller.go):
 * until `reconciledAt` (or `observedAt`) is not older than `operationState.finishedAt`, the sync
 * and health fields still describe the state before the operation. A finished phase with no
 * parseable `finishedAt` is not refreshed either. The deploy follow-up reads it the same way.
 */
export function isRefreshedAfterOperation(app: Application): boolean {
  const op = app.operationState;
  if (!op?.phase || !FINISHED_PHASES.has(op.phase)) return true;
  const finished = time(op.finishedAt);
  if (finished === undefined) return false;
  const reconciled = time(app.reconciledAt) ?? -Infinity;
  const observed = time(app.observedAt) ?? -Infinity;
  return !(finished > reconciled && finished > observed);
}
