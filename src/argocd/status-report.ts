/**
 * The answer to `/status <app> [env]`: sync status and revision, health, the last operation
 * (phase, when, by whom) and the pods. Pure render; `fetchStatus` reads the Application and its
 * pods (the pods failing — e.g. no RBAC for them — still leaves a useful answer).
 */
import type { Field, Message } from '../core/message.js';
import { errorConditions, revisionText, syncedRevisions, type Application } from './application.js';
import { ArgocdError } from './errors.js';
import type { KubeConnection } from './kube.js';
import { initiator, resourceLines } from './notification-message.js';
import { renderPods, type PodSummary } from './pods.js';
import { appPods } from './workloads.js';

export interface StatusOptions {
  /** The environment asked about, shown in the title. */
  env?: string;
  repoWebUrl?: string;
  now?: number;
}

/** "3m ago", "2h ago", "4d ago": a chat reader wants the order of magnitude. */
export function ago(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

function statusOf(app: Application, pods: PodSummary[] | undefined): Message['status'] {
  if (
    app.health.status === 'Degraded' ||
    app.operationState?.phase === 'Failed' ||
    app.operationState?.phase === 'Error' ||
    errorConditions(app).length > 0
  )
    return 'failure';
  if (app.sync.status === 'Synced' && app.health.status === 'Healthy' && (pods ?? []).every((p) => p.ready)) return 'success';
  return 'warning';
}

export function renderStatus(app: Application, pods: PodSummary[] | undefined, opts: StatusOptions = {}): Message {
  const now = opts.now ?? Date.now();
  const op = app.operationState;
  const fields: Field[] = [
    { label: 'Sync', value: app.sync.status ?? 'unknown' },
    { label: 'Revision', value: revisionText(syncedRevisions(app), opts.repoWebUrl) },
    { label: 'Health', value: app.health.status ?? 'unknown' },
  ];
  if (op?.phase) {
    const when = ago(op.finishedAt ?? op.startedAt, now);
    const by = initiator(app);
    fields.push({ label: 'Last operation', value: [op.phase, when, by && `by ${by}`].filter(Boolean).join(', ') });
  } else {
    fields.push({ label: 'Last operation', value: 'none recorded' });
  }
  const code: string[] = [];
  const resources = resourceLines(app);
  if (resources) code.push(resources);
  let podNote: string | undefined;
  if (pods) {
    const view = renderPods(pods);
    fields.push(...view.fields);
    if (view.code) code.push(view.code);
  } else {
    podNote = 'pods could not be read';
  }
  // A ComparisonError (the repo-server could not fetch or render the source) is why nothing syncs: first.
  const conditions = errorConditions(app).map((c) => `${c.type}: ${c.message ?? 'no message'}`);
  const text = [...conditions, op?.phase && op.phase !== 'Succeeded' ? op.message : undefined, app.health.message, podNote]
    .filter(Boolean)
    .join('\n');
  return {
    status: statusOf(app, pods),
    title: `${app.name}${opts.env ? ` (${opts.env})` : ''}: ${app.sync.status ?? 'unknown'}, ${app.health.status ?? 'unknown'}`,
    text: text || undefined,
    fields,
    code: code.length > 0 ? code.join('\n\n') : undefined,
    context: `Argo CD Application ${app.namespace}/${app.name}${app.reconciledAt ? `, reconciled ${ago(app.reconciledAt, now)}` : ''}`,
  };
}

export interface StatusTarget {
  /** Namespace of the Application (one of argocd.namespaces). */
  namespace: string;
  /** The Application's name (config `application`, default `<app>-<env>`). */
  application: string;
  /** Namespace of the pods (config `namespace`; default: the Application's destination namespace). */
  podNamespace?: string;
  podSelector?: string;
}

export async function fetchStatus(
  kube: KubeConnection,
  target: StatusTarget,
  opts: StatusOptions & { onPodsError?: (err: unknown) => void } = {},
): Promise<Message> {
  const app = await kube.getApplication(target.namespace, target.application);
  if (!app) throw new ArgocdError('E_ARGOCD_APP_MISSING', `Argo CD Application ${target.namespace}/${target.application} does not exist`);
  const podNamespace = target.podNamespace ?? app.destinationNamespace;
  let pods: PodSummary[] | undefined;
  if (podNamespace) {
    try {
      pods = (await appPods(kube, app, { podNamespace, podSelector: target.podSelector })).pods;
    } catch (err) {
      opts.onPodsError?.(err);
    }
  }
  return renderStatus(app, pods, opts);
}
