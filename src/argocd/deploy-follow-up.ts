import type { Logger } from '../core/logger.js';
import type { Field, Message, Progress } from '../core/message.js';
import type { ApplicationWatcher } from './application-watcher.js';
import { DeployTracker } from './deploy-tracker.js';
import type { KubeConnection } from './kube.js';
import { renderPods } from './pods.js';
import type { RevisionLineage } from './revision-lineage.js';
import { appPods, rolloutText, rolloutView } from './workloads.js';

export interface FollowDeployRequest {
  /** The Argo CD Application (config `application`, default `<app>-<env>`). */
  application: string;
  /** Namespace of the app's pods (config `namespace`; default: the Application's destination). */
  podNamespace?: string;
  /** Overrides finding the pods through the Application's workloads (config `podSelector`). */
  podSelector?: string;
  /** The pushed commit. */
  revision: string;
  /** Whether a later revision Argo CD reports contains the commit; without it only the commit itself counts. */
  lineage?: RevisionLineage;
  timeoutMs: number;
  repoWebUrl?: string;
  progress: Progress;
  signal: AbortSignal;
}

/**
 * The stage after the commit: ask Argo CD to refresh now and follow the Application until a
 * revision containing the commit is synced and healthy (DeployTracker), watching the rollout of
 * its workloads on the way (a pod stuck in ImagePullBackOff or CrashLoopBackOff ends it at once),
 * then read the pods. The answer is the tracker's last message with the pods' fields and lines.
 */
export async function followDeploy(
  deps: { kube: KubeConnection; watcher: () => Promise<ApplicationWatcher>; namespace: string; log?: Logger },
  req: FollowDeployRequest,
): Promise<Message> {
  const { kube, namespace } = deps;
  const where = { podNamespace: req.podNamespace, podSelector: req.podSelector };
  const tracker = new DeployTracker({ kube, watcher: await deps.watcher(), logger: deps.log });
  const followed = await tracker.follow({
    namespace,
    name: req.application,
    revision: req.revision,
    lineage: req.lineage,
    timeoutMs: req.timeoutMs,
    progress: req.progress,
    signal: req.signal,
    repoWebUrl: req.repoWebUrl,
    rollout: async (app) => rolloutView(await appPods(kube, app, where)),
  });
  const app = await kube.getApplication(namespace, req.application);
  const found = app ? await appPods(kube, app, where) : undefined;
  const pods = found ? renderPods(found.pods) : undefined;
  const rollout: Field[] =
    found && found.workloads.length > 0 ? [{ label: 'Rollout', value: found.workloads.map((w) => rolloutText(w.rollout)).join('; ') }] : [];
  const fields: Field[] = [...(followed.fields ?? []), ...rollout, ...(pods?.fields ?? [])];
  return { ...followed, fields, code: pods?.code || followed.code };
}
