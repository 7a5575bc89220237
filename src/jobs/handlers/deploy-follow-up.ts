import type { ClusterAccess } from '../../argocd/cluster-access.js';
import { DeployTracker } from '../../argocd/deploy-tracker.js';
import { fetchPods, podSelectorFor, renderPods } from '../../argocd/pods.js';
import type { Config, TagLocation } from '../../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Message } from '../../core/message.js';
import type { Reporter } from '../reporter.js';

/**
 * The stage after the commit: ask Argo CD to refresh now and follow the Application until that
 * exact commit is synced and healthy, then show the pods. Without a cluster the deploy ends at
 * the commit and says so. A failure keeps the commit in the story: it was pushed either way.
 */
export async function followDeploy(
  deps: { config: Config; cluster?: ClusterAccess; log: Logger },
  req: { app: string; env: string; location: TagLocation; sha: string; committed: Message; reporter: Reporter; signal: AbortSignal },
): Promise<Message> {
  const { cluster, config } = deps;
  if (!cluster?.connected) {
    return { ...req.committed, context: 'Argo CD follow-up skipped: not connected to a cluster (set KUBECONFIG).' };
  }
  const kube = cluster.requireKube();
  const namespace = cluster.applicationNamespace;
  const name = req.location.application ?? `${req.app}-${req.env}`;
  const repoWebUrl = config.gitops?.webUrl;
  try {
    const tracker = new DeployTracker({ kube, watcher: await cluster.watch(), logger: deps.log });
    const followed = await tracker.follow({ namespace, name, revision: req.sha, timeoutMs: config.argocd.followTimeout, reporter: req.reporter, signal: req.signal, repoWebUrl });
    const app = await kube.getApplication(namespace, name);
    const podNamespace = req.location.namespace ?? app?.destinationNamespace;
    const pods = podNamespace ? renderPods(await fetchPods(kube, { namespace: podNamespace, selector: podSelectorFor(name, req.location.podSelector) })) : undefined;
    return {
      ...followed,
      title: req.committed.title,
      fields: [...(req.committed.fields ?? []), ...(followed.fields ?? []), ...(pods?.fields ?? [])],
      code: pods?.code ?? followed.code,
    };
  } catch (err) {
    if (req.signal.aborted || !isOpsbotError(err)) throw err;
    throw new OpsbotError(err.code, `${req.committed.title} — committed ${req.sha.slice(0, 12)}, but Argo CD did not get there: ${err.userMessage}`, { cause: err });
  }
}
