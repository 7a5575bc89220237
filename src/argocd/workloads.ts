/**
 * An Application's pods, found the way Argo CD finds them: from the workloads in its
 * `status.resources` (Deployments, StatefulSets, DaemonSets) and each one's own `spec.selector`.
 * Argo CD 3.x tracks what it applies by annotation, so a plain manifest's pods carry no label
 * naming the Application; the workload's selector is the one thing that always finds them.
 *
 * The rollout of each workload (updated / ready replicas of its new revision) comes from the
 * same reads, and which pods belong to that new revision: those are the ones whose stuck
 * containers mean the deploy failed.
 */
import type { V1DaemonSet, V1Deployment, V1LabelSelector, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { Field } from '../core/message.js';
import type { Application } from './application.js';
import { isArgocdError } from './errors.js';
import type { KubeConnection, WorkloadKind } from './kube.js';
import { podSelectorFor, stuckText, summarizePod, type PodSummary } from './pods.js';

const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A Deployment's revision, on it and on each of its ReplicaSets (kube-controller-manager's deployment_util.go). */
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export interface Rollout {
  workload: string;
  desired: number;
  updated: number;
  ready: number;
  /** The new ReplicaSet of a Deployment. */
  replicaSet?: string;
  /**
   * The controller has observed the current spec and every replica is of it and available, no
   * old one left: `kubectl rollout status`'s test. Argo CD can report Healthy from a live state it
   * read before the controller saw the new spec; this is what the follow-up waits for as well.
   */
  complete: boolean;
}

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  selector: string;
  rollout: Rollout;
  /** Labels every pod of the new revision carries (pod-template-hash / controller-revision-hash); none for a DaemonSet. */
  newRevision: Record<string, string>;
}

export interface AppPods {
  pods: PodSummary[];
  workloads: Workload[];
  /** How the pods were found, for the record: `selector`, `workloads`, `tracking label`. */
  via: string;
}

/** `matchLabels` and `matchExpressions` as a label selector string (the API server's syntax). */
export function selectorText(sel: V1LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The workloads Argo CD lists for the Application (group `apps`). */
export function workloadRefs(app: Application): { kind: WorkloadKind; namespace: string; name: string }[] {
  const out: { kind: WorkloadKind; namespace: string; name: string }[] = [];
  for (const r of app.resources) {
    const kind = WORKLOAD_KINDS.find((k) => k === r.kind);
    const namespace = r.namespace ?? app.destinationNamespace;
    if (kind && r.group === 'apps' && r.name && namespace) out.push({ kind, namespace, name: r.name });
  }
  return out;
}

/** The ReplicaSet a Deployment is rolling out: owned by it, at its revision. */
export function newReplicaSet(d: V1Deployment, sets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
  const owned = sets.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid));
  return owned.find((rs) => revision !== undefined && rs.metadata?.annotations?.[REVISION_ANNOTATION] === revision);
}

/** The workload's controller has seen its current spec (status.observedGeneration). */
function observed(w: { metadata?: { generation?: number }; status?: { observedGeneration?: number } }): boolean {
  return (w.status?.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0);
}

/** `kubectl rollout status`'s test (kubectl's rollout_status.go): the current spec runs on every replica, available, none old left. */
export function rolledOut(kind: 'Deployment', w: V1Deployment): boolean;
export function rolledOut(kind: 'StatefulSet', w: V1StatefulSet): boolean;
export function rolledOut(kind: 'DaemonSet', w: V1DaemonSet): boolean;
export function rolledOut(kind: WorkloadKind, w: V1Deployment | V1StatefulSet | V1DaemonSet): boolean {
  if (!observed(w)) return false;
  if (kind === 'Deployment') {
    const d = w as V1Deployment;
    const updated = d.status?.updatedReplicas ?? 0;
    return updated >= (d.spec?.replicas ?? 1) && (d.status?.replicas ?? 0) <= updated && (d.status?.availableReplicas ?? 0) >= updated;
  }
  if (kind === 'StatefulSet') {
    const s = w as V1StatefulSet;
    const desired = s.spec?.replicas ?? 1;
    // OnDelete never rolls by itself: only RollingUpdate promises the update revision becomes current.
    const current = s.spec?.updateStrategy?.type === 'OnDelete' || s.status?.currentRevision === s.status?.updateRevision;
    return (s.status?.updatedReplicas ?? 0) >= desired && (s.status?.readyReplicas ?? 0) >= desired && current;
  }
  const ds = w as V1DaemonSet;
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  return (ds.status?.updatedNumberScheduled ?? 0) >= desired && (ds.status?.numberAvailable ?? 0) >= desired;
}

async function describe(kube: KubeConnection, ref: { kind: WorkloadKind; namespace: string; name: string }): Promise<Workload | undefined> {
  const obj = await kube.getWorkload(ref.kind, ref.namespace, ref.name);
  if (!obj?.spec?.selector) return undefined;
  const selector = selectorText(obj.spec.selector);
  if (!selector) return undefined;
  const base = { ...ref, selector };
  const label = `${ref.kind} ${ref.name}`;
  if (ref.kind === 'Deployment') {
    const d = obj as V1Deployment;
    const rs = newReplicaSet(d, await kube.listReplicaSets(ref.namespace, selector));
    const hash = rs?.metadata?.labels?.['pod-template-hash'];
    const rollout = { workload: label, desired: d.spec?.replicas ?? 1, updated: rs?.status?.replicas ?? 0, ready: rs?.status?.readyReplicas ?? 0 };
    return {
      ...base,
      rollout: { ...rollout, replicaSet: rs?.metadata?.name, complete: rolledOut('Deployment', d) },
      // Until the new ReplicaSet exists no pod is of the new revision.
      newRevision: { 'pod-template-hash': hash ?? '(none yet)' },
    };
  }
  if (ref.kind === 'StatefulSet') {
    const s = obj as V1StatefulSet;
    return {
      ...base,
      rollout: {
        workload: label,
        desired: s.spec?.replicas ?? 1,
        updated: s.status?.updatedReplicas ?? 0,
        ready: s.status?.readyReplicas ?? 0,
        complete: rolledOut('StatefulSet', s),
      },
      newRevision: { 'controller-revision-hash': s.status?.updateRevision ?? '(none yet)' },
    };
  }
  const ds = obj as V1DaemonSet;
  return {
    ...base,
    rollout: {
      workload: label,
      desired: ds.status?.desiredNumberScheduled ?? 0,
      updated: ds.status?.updatedNumberScheduled ?? 0,
      ready: ds.status?.numberReady ?? 0,
      complete: rolledOut('DaemonSet', ds),
    },
    newRevision: {},
  };
}

/**
 * The Application's pods: with `podSelector` configured, that selector (an override); else the
 * selectors of its workloads; else, when it lists none or they may not be read, Argo CD's
 * tracking label. The workloads are read either way: they tell the rollout and its new pods.
 */
export async function appPods(kube: KubeConnection, app: Application, opts: { podNamespace?: string; podSelector?: string } = {}): Promise<AppPods> {
  let workloads: Workload[];
  try {
    workloads = (await Promise.all(workloadRefs(app).map((ref) => describe(kube, ref)))).filter((w): w is Workload => w !== undefined);
  } catch (err) {
    // No RBAC for apps/v1 (an older opsbot Role): the pods are still worth showing.
    if (!isArgocdError(err, 'E_KUBE_FORBIDDEN')) throw err;
    workloads = [];
  }
  const namespace = opts.podNamespace ?? app.destinationNamespace;
  const selected = opts.podSelector ?? (workloads.length === 0 ? podSelectorFor(app.name) : undefined);
  if (selected !== undefined) {
    const pods = namespace ? (await kube.listPods(namespace, selected)).map(summarizePod) : [];
    return { pods, workloads, via: opts.podSelector ? 'selector' : 'tracking label' };
  }
  const seen = new Map<string, PodSummary>();
  for (const w of workloads) {
    for (const pod of await kube.listPods(w.namespace, w.selector)) {
      const s = summarizePod(pod as V1Pod);
      seen.set(`${w.namespace}/${s.name}`, s);
    }
  }
  return { pods: [...seen.values()], workloads, via: 'workloads' };
}

function ofNewRevision(w: Workload, pod: PodSummary): boolean {
  return Object.entries(w.newRevision).every(([k, v]) => pod.labels[k] === v);
}

/** "Deployment web: 1/2 updated, 0/2 ready (ReplicaSet web-5d9f8c7b6)" */
export function rolloutText(r: Rollout): string {
  return `${r.workload}: ${r.updated}/${r.desired} updated, ${r.ready}/${r.desired} ready${r.replicaSet ? ` (ReplicaSet ${r.replicaSet})` : ''}`;
}

/**
 * The rollout fields while progressing, and the failure when a pod of a workload's new revision
 * is stuck (ImagePullBackOff, CrashLoopBackOff, …): that deploy will not become healthy by itself.
 */
export function rolloutView(found: AppPods): { fields: Field[]; complete: boolean; failure?: string } {
  const fields: Field[] =
    found.workloads.length > 0 ? [{ label: 'Rollout', value: found.workloads.map((w) => rolloutText(w.rollout)).join('; ') }] : [];
  const complete = found.workloads.every((w) => w.rollout.complete);
  // Without workloads there is no telling a new pod from one left stuck by an earlier deploy.
  const stuck = found.pods.filter((p) => p.stuck.length > 0 && !p.deleting && found.workloads.some((w) => ofNewRevision(w, p)));
  if (stuck.length === 0) return { fields, complete };
  const lines = stuck.slice(0, 3).map((p) => stuckText(p)!);
  return { fields, complete, failure: `${lines.join('; ')}${stuck.length > 3 ? ` (and ${stuck.length - 3} more pods)` : ''}` };
}
