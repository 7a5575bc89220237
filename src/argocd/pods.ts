/**
 * The pods of an app, summarised so a half-done rollout is visible at a glance: ready/total,
 * restarts, why containers wait or died (ImagePullBackOff, CrashLoopBackOff, OOMKilled, …) and
 * which image each pod runs. Pure summary and render; `fetchPods` is the thin shell.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { Field } from '../core/message.js';
import type { KubeConnection } from './kube.js';

export interface PodSummary {
  name: string;
  phase: string;
  ready: boolean;
  readyContainers: number;
  containers: number;
  restarts: number;
  /** Waiting/terminated reasons of containers (init containers included), most telling first. */
  reasons: string[];
  /** Images of the app containers (status' image when known, else the spec's). */
  images: string[];
  deleting: boolean;
  labels: Record<string, string>;
  /** Containers stuck in a state that does not resolve by itself (see STUCK_REASONS). */
  stuck: StuckContainer[];
}

export interface StuckContainer {
  container: string;
  reason: string;
  message?: string;
  restarts: number;
  /** Why it last died, for a container that restarts: `Error (exit 1)`, `OOMKilled`. */
  lastDeath?: string;
}

/**
 * Waiting reasons a kubelet reports for a container that will not start without a change to
 * the manifest or the image (kubelet's images/types.go and kuberuntime): a deploy that shows one
 * has failed, even while Argo CD still says Progressing (until progressDeadlineSeconds).
 * ErrImagePull alone is left out: the kubelet reports it on the first failed pull, which a
 * registry hiccup can cause; ImagePullBackOff follows when the pull keeps failing.
 */
export const STUCK_REASONS = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);

function stuckOf(statuses: V1ContainerStatus[] | undefined): StuckContainer[] {
  const out: StuckContainer[] = [];
  for (const c of statuses ?? []) {
    const waiting = c.state?.waiting;
    if (!waiting?.reason || !STUCK_REASONS.has(waiting.reason)) continue;
    const last = c.lastState?.terminated;
    out.push({
      container: c.name,
      reason: waiting.reason,
      ...(waiting.message ? { message: waiting.message } : {}),
      restarts: c.restartCount ?? 0,
      ...(last ? { lastDeath: `${last.reason ?? 'terminated'}${last.exitCode !== undefined ? ` (exit ${last.exitCode})` : ''}` } : {}),
    });
  }
  return out;
}

/** "pod web-7d4f-x2k: container web CrashLoopBackOff, 3 restarts, last Error (exit 1)" */
export function stuckText(pod: PodSummary): string | undefined {
  const s = pod.stuck[0];
  if (!s) return undefined;
  const restarts =
    s.reason === 'CrashLoopBackOff' ? `, ${s.restarts} restart${s.restarts === 1 ? '' : 's'}${s.lastDeath ? `, last ${s.lastDeath}` : ''}` : '';
  const why = s.reason !== 'CrashLoopBackOff' && s.message ? ` (${s.message.slice(0, 200)})` : '';
  return `pod ${pod.name}: container ${s.container} ${s.reason}${restarts}${why}`;
}

/**
 * Argo CD's tracking label (application.resourceTrackingMethod: label, the default before 3.0).
 * Argo CD 3.x tracks by annotation (`argocd.argoproj.io/tracking-id`) and sets no label: pods are
 * then found through the Application's workloads (workloads.ts), and this is the last resort.
 */
export const TRACKING_LABEL = 'app.kubernetes.io/instance';

/** The configured selector, else Argo CD's tracking label with the Application's name. */
export function podSelectorFor(application: string, configured?: string): string {
  return configured ?? `${TRACKING_LABEL}=${application}`;
}

function reasonsOf(statuses: V1ContainerStatus[] | undefined): string[] {
  const out: string[] = [];
  for (const c of statuses ?? []) {
    const waiting = c.state?.waiting?.reason;
    const terminated = c.state?.terminated;
    if (waiting && waiting !== 'ContainerCreating' && waiting !== 'PodInitializing') out.push(`${c.name}: ${waiting}`);
    if (terminated && terminated.reason !== 'Completed') out.push(`${c.name}: ${terminated.reason ?? `exit ${terminated.exitCode}`}`);
    // A container that restarts says why it last died (OOMKilled, Error) only here.
    const last = c.lastState?.terminated?.reason;
    if (last && last !== 'Completed' && c.restartCount > 0) out.push(`${c.name}: last ${last}`);
  }
  return out;
}

export function summarizePod(pod: V1Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const specContainers = pod.spec?.containers ?? [];
  const images = statuses.length > 0 ? statuses.map((c) => c.image) : specContainers.map((c) => c.image ?? '?');
  return {
    name: pod.metadata?.name ?? '?',
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    readyContainers: statuses.filter((c) => c.ready).length,
    containers: Math.max(specContainers.length, statuses.length),
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    reasons: [...reasonsOf(pod.status?.initContainerStatuses), ...reasonsOf(statuses)],
    images: [...new Set(images)],
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    labels: pod.metadata?.labels ?? {},
    stuck: [...stuckOf(pod.status?.initContainerStatuses), ...stuckOf(statuses)],
  };
}

/** At most this many pod lines (a chat message is not a dashboard); the rest are counted. */
const MAX_POD_LINES = 15;

export interface PodsView {
  fields: Field[];
  /** One line per pod: name, ready containers, phase, restarts, reasons, image. */
  code: string;
}

export function renderPods(pods: PodSummary[]): PodsView {
  if (pods.length === 0) return { fields: [{ label: 'Pods', value: 'none found' }], code: '' };
  const ready = pods.filter((p) => p.ready).length;
  const restarts = pods.reduce((n, p) => n + p.restarts, 0);
  const images = [...new Set(pods.flatMap((p) => p.images))];
  const problems = [...new Set(pods.flatMap((p) => p.reasons.map((r) => r.replace(/^[^:]+: /, ''))))];
  const fields: Field[] = [{ label: 'Pods ready', value: `${ready}/${pods.length}` }];
  if (restarts > 0) fields.push({ label: 'Restarts', value: String(restarts) });
  if (problems.length > 0) fields.push({ label: 'Problems', value: problems.join(', ') });
  // More than one image means a rollout is under way (or stuck half-way).
  fields.push({ label: images.length > 1 ? 'Images (mixed)' : 'Image', value: images.join(', ') || 'unknown' });
  const sorted = [...pods].sort((a, b) => Number(a.ready) - Number(b.ready) || a.name.localeCompare(b.name));
  const lines = sorted.slice(0, MAX_POD_LINES).map((p) => {
    const state = p.deleting ? 'Terminating' : p.phase;
    const why = p.reasons.length > 0 ? `  ${p.reasons.join('; ')}` : '';
    return `${p.name}  ${p.readyContainers}/${p.containers}  ${state}  restarts=${p.restarts}  ${p.images.join(',')}${why}`;
  });
  if (sorted.length > MAX_POD_LINES) lines.push(`… and ${sorted.length - MAX_POD_LINES} more`);
  return { fields, code: lines.join('\n') };
}

export async function fetchPods(kube: KubeConnection, opts: { namespace: string; selector: string }): Promise<PodSummary[]> {
  const pods = await kube.listPods(opts.namespace, opts.selector);
  return pods.map(summarizePod);
}
