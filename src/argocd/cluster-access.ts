import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { ApplicationWatcher } from './application-watcher.js';
import { connectKube, noCluster, type KubeConnection } from './kube.js';

/**
 * The cluster as one process sees it: a connection (or none, and every Argo CD feature answers
 * "not connected to a cluster") and at most one Application watcher, started the first time a
 * part of this process needs it — a worker only when it first follows a deploy.
 */
export class ClusterAccess {
  readonly kube: KubeConnection | undefined;
  private watcher?: Promise<ApplicationWatcher>;
  private started?: ApplicationWatcher;

  constructor(private readonly deps: { config: Config; env: NodeJS.ProcessEnv; log: Logger; metrics: Metrics }) {
    this.kube = connectKube({ context: deps.config.argocd.context, env: deps.env });
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

  /** The process's watcher, started (listed) on first use. */
  watch(): Promise<ApplicationWatcher> {
    const kube = this.requireKube();
    this.watcher ??= (async () => {
      const w = new ApplicationWatcher({ kube, namespaces: this.deps.config.argocd.namespaces, logger: this.deps.log, metrics: this.deps.metrics });
      w.start();
      await w.waitForSync();
      this.started = w;
      return w;
    })();
    return this.watcher;
  }

  /** The watcher, not started yet: for a notifier that must subscribe before the first list. */
  unstartedWatcher(): ApplicationWatcher {
    const kube = this.requireKube();
    const w = new ApplicationWatcher({ kube, namespaces: this.deps.config.argocd.namespaces, logger: this.deps.log, metrics: this.deps.metrics });
    this.started = w;
    this.watcher = Promise.resolve(w);
    return w;
  }

  async stop(): Promise<void> {
    await this.started?.stop();
  }
}
