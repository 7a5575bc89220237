import type { Logger } from '../core/logger.js';
import type { Field, Message, Progress } from '../core/message.js';
import type { ApplicationWatcher } from './application-watcher.js';
import { DeployTracker } from './deploy-tracker.js';
import type { KubeConnection } from './kube.js';
import { fetchPods, podSelectorFor, renderPods } from './pods.js';

export interface FollowDeployRequest {
  /** The Argo CD Application (config `application`, default `<app>-<env>`). */
  application: string;
  /** Namespace of the app's pods (config `namespace`; default: the Application's destination). */
  podNamespace?: string;
  podSelector?: string;
  /** The pushed commit. */
  revision: string;
  timeoutMs: number;
  repoWebUrl?: string;
  progress: Progress;
  signal: AbortSignal;
}

/**
 * The stage after the commit: ask Argo CD to refresh now and follow the Application until that
 * exact commit is synced and healthy (DeployTracker), then read the pods. The answer is the
 * tracker's last message with the pods' fields and lines added.
 */
export async function followDeploy(
  deps: { kube: KubeConnection; watcher: () => Promise<ApplicationWatcher>; namespace: string; log?: Logger },
  req: FollowDeployRequest,
): Promise<Message> {
  const { kube, namespace } = deps;
  const tracker = new DeployTracker({ kube, watcher: await deps.watcher(), logger: deps.log });
  const followed = await tracker.follow({ namespace, name: req.application, revision: req.revision, timeoutMs: req.timeoutMs, progress: req.progress, signal: req.signal, repoWebUrl: req.repoWebUrl });
  const app = await kube.getApplication(namespace, req.application);
  const podNamespace = req.podNamespace ?? app?.destinationNamespace;
  const pods = podNamespace ? renderPods(await fetchPods(kube, { namespace: podNamespace, selector: podSelectorFor(req.application, req.podSelector) })) : undefined;
  const fields: Field[] = [...(followed.fields ?? []), ...(pods?.fields ?? [])];
  return { ...followed, fields, code: pods?.code ?? followed.code };
}
