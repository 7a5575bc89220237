import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Message } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { ApplicationWatcher } from './application-watcher.js';
import { followDeploy, type FollowDeployRequest } from './deploy-follow-up.js';
import { noCluster } from './errors.js';
import type { KubeConnection } from './kube.js';
import { fetchStatus, type StatusOptions, type StatusTarget } from './status-report.js';

/** Where a pod's service-account token is mounted (Kubernetes' fixed path). */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The cluster as one process sees it: a connection (or none, and every Argo CD feature answers
 * "not connected to a cluster") and at most one Application watcher, started the first time a
 * part of this process needs it — a worker only when it first follows a deploy.
 *
 * `@kubernetes/client-node` costs about 70 MB of resident memory just to load, so it is loaded
 * only when there is a cluster to talk to (measured by `npm run bench`, memory).
 */
export class ClusterAccess {
  private watcher?: Promise<ApplicationWatcher>;
  private started?: ApplicationWatcher;

  private constructor(
    private readonly deps: { config: Config; env: NodeJS.ProcessEnv; log: Logger; metrics: Metrics },
    readonly kube: KubeConnection | undefined,
  ) {}

  static async open(deps: { config: Config; env: NodeJS.ProcessEnv; log: Logger; metrics: Metrics }): Promise<ClusterAccess> {
    const kubeconfig = deps.env.KUBECONFIG?.split(delimiter).some((p) => p !== '' && existsSync(p));
    const inCluster = Boolean(deps.env.KUBERNETES_SERVICE_HOST) && existsSync(IN_CLUSTER_TOKEN);
    if (!kubeconfig && !inCluster) return new ClusterAccess(deps, undefined);
    const { connectKube } = await import('./kube.js');
    return new ClusterAccess(deps, connectKube({ context: deps.config.argocd.context, env: deps.env }));
  }

  get connected(): boolean {
    return this.kube !== undefined;
  }

  requireKube(): KubeConnection {
    if (!this.kube) throw noCluster();
    return this.kube;
  }

  /** The namespace Applications live in (the first configured one). */
  get applicationNamespace(): string {
    return this.deps.config.argocd.namespaces[0] ?? 'argocd';
  }

  /** Follow a pushed commit through Argo CD until synced and healthy; then the pods (see followDeploy). */
  followDeploy(req: FollowDeployRequest): Promise<Message> {
    return followDeploy({ kube: this.requireKube(), watcher: () => this.watch(), namespace: this.applicationNamespace, log: this.deps.log }, req);
  }

  /** `/status`: the Application in the first of argocd.namespaces, and its pods. */
  status(target: Omit<StatusTarget, 'namespace'>, opts: StatusOptions & { onPodsError?: (err: unknown) => void } = {}): Promise<Message> {
    return fetchStatus(this.requireKube(), { ...target, namespace: this.applicationNamespace }, opts);
  }

  /** The process's watcher, started on first use, once it has listed the Applications. */
  async watch(): Promise<ApplicationWatcher> {
    const w = await this.startedWatcher();
    await w.waitForSync();
    return w;
  }

  /** The process's watcher, started on first use, maybe before its first list (the caller bounds its own wait). */
  startedWatcher(): Promise<ApplicationWatcher> {
    this.watcher ??= (async () => {
      const w = await this.newWatcher();
      w.start();
      return w;
    })();
    return this.watcher;
  }

  /** The watcher, not started yet: for a notifier that must subscribe before the first list. */
  async unstartedWatcher(): Promise<ApplicationWatcher> {
    const w = await this.newWatcher();
    this.watcher = Promise.resolve(w);
    return w;
  }

  private async newWatcher(): Promise<ApplicationWatcher> {
    const kube = this.requireKube();
    const { ApplicationWatcher } = await import('./application-watcher.js');
    const w = new ApplicationWatcher({ kube, namespaces: this.deps.config.argocd.namespaces, logger: this.deps.log, metrics: this.deps.metrics });
    this.started = w;
    return w;
  }

  async stop(): Promise<void> {
    await this.started?.stop();
  }
}
