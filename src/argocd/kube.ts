/**
 * The connection to the cluster that runs Argo CD: a kubeconfig (`KUBECONFIG`, or a path; the
 * context selectable) or the pod's service account, and typed access to the two kinds opsbot
 * uses — Applications (argoproj.io/v1alpha1, through CustomObjectsApi) and Pods (CoreV1Api).
 * Every API failure leaves here as an `ArgocdError` with a code (see kube-errors.ts).
 */
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1DaemonSet,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { parseApplication, type Application } from './application.js';
import { ArgocdError, notInstalled } from './errors.js';
import { isUnservedKind, kubeError } from './kube-errors.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export const APPLICATIONS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' } as const;

/** Where the service account's token is mounted in a pod (Kubernetes' fixed path). */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface ConnectOptions {
  /** A kubeconfig file; default: the first existing file in `KUBECONFIG`. */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context (config `argocd.context`). */
  context?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ApplicationList {
  items: Application[];
  /** Objects that are not Applications at all (no name or namespace): counted, never fatal. */
  skipped: number;
  resourceVersion: string;
}

export class KubeConnection {
  readonly applicationsApi: CustomObjectsApi;
  readonly coreApi: CoreV1Api;
  readonly appsApi: AppsV1Api;

  constructor(
    readonly kubeConfig: KubeConfig,
    /** How the connection was made, for logs: `kubeconfig <path> (context x)` or `in-cluster`. */
    readonly origin: string,
  ) {
    this.applicationsApi = kubeConfig.makeApiClient(CustomObjectsApi);
    this.coreApi = kubeConfig.makeApiClient(CoreV1Api);
    this.appsApi = kubeConfig.makeApiClient(AppsV1Api);
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? 'unknown';
  }

  async listApplications(namespace: string): Promise<ApplicationList> {
    const list = await this.call(`list Applications in ${namespace}`, () =>
      this.applicationsApi.listNamespacedCustomObject({ ...APPLICATIONS, namespace }).catch((err: unknown) => {
        throw isUnservedKind(err) ? notInstalled(namespace, err) : err;
      }),
    );
    const raw = (list ?? {}) as { items?: unknown; metadata?: { resourceVersion?: unknown } };
    const rawItems = Array.isArray(raw.items) ? raw.items : [];
    const items = rawItems.map(parseApplication).filter((a): a is Application => a !== undefined);
    const rv = raw.metadata?.resourceVersion;
    return { items, skipped: rawItems.length - items.length, resourceVersion: typeof rv === 'string' ? rv : '' };
  }

  /** The Application, or undefined when it does not exist. */
  async getApplication(namespace: string, name: string): Promise<Application | undefined> {
    try {
      const raw: unknown = await this.applicationsApi.getNamespacedCustomObject({ ...APPLICATIONS, namespace, name });
      return parseApplication(raw);
    } catch (err) {
      if (isUnservedKind(err)) throw notInstalled(namespace, err);
      const e = kubeError(err, `get Application ${namespace}/${name}`);
      if (e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  /** A JSON merge patch of metadata.annotations — what `argocd app get --refresh` does to ask for a refresh. */
  async annotateApplication(namespace: string, name: string, annotations: Record<string, string>): Promise<Application> {
    const body = { metadata: { annotations } };
    try {
      const raw: unknown = await this.applicationsApi.patchNamespacedCustomObject(
        { ...APPLICATIONS, namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const app = parseApplication(raw);
      if (!app)
        throw new ArgocdError(
          'E_KUBE_UNREACHABLE',
          `the API server answered the patch of ${namespace}/${name} with something that is not an Application`,
        );
      return app;
    } catch (err) {
      if (isUnservedKind(err)) throw notInstalled(namespace, err);
      const e = kubeError(err, `patch Application ${namespace}/${name}`);
      if (e.httpStatus === 404)
        throw new ArgocdError('E_ARGOCD_APP_MISSING', `Argo CD Application ${namespace}/${name} does not exist`, { cause: err, httpStatus: 404 });
      throw e;
    }
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call(`list pods in ${namespace} (${labelSelector})`, () => this.coreApi.listNamespacedPod({ namespace, labelSelector }));
    return list.items;
  }

  /** A Deployment, StatefulSet or DaemonSet; undefined when it does not exist (pruned, not created yet). */
  async getWorkload(kind: WorkloadKind, namespace: string, name: string): Promise<V1Deployment | V1StatefulSet | V1DaemonSet | undefined> {
    const read = {
      Deployment: () => this.appsApi.readNamespacedDeployment({ namespace, name }),
      StatefulSet: () => this.appsApi.readNamespacedStatefulSet({ namespace, name }),
      DaemonSet: () => this.appsApi.readNamespacedDaemonSet({ namespace, name }),
    }[kind];
    try {
      return await read();
    } catch (err) {
      const e = kubeError(err, `get ${kind} ${namespace}/${name}`);
      if (e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]> {
    const list = await this.call(`list replicasets in ${namespace} (${labelSelector})`, () =>
      this.appsApi.listNamespacedReplicaSet({ namespace, labelSelector }),
    );
    return list.items;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw kubeError(err, what);
    }
  }
}

function firstExisting(list: string | undefined): string | undefined {
  return list?.split(delimiter).find((p) => p !== '' && existsSync(p));
}

/**
 * A connection from the kubeconfig, or in-cluster, or undefined when neither is there (the
 * caller answers Argo CD commands with `noCluster()`). A context that the file does not hold
 * is a configuration error, reported at start.
 */
export function connectKube(opts: ConnectOptions = {}): KubeConnection | undefined {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const file = opts.kubeconfig ?? firstExisting(env.KUBECONFIG);
  let origin: string;
  if (file) {
    kc.loadFromFile(file);
    origin = `kubeconfig ${file}`;
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
    origin = 'in-cluster';
  } else {
    return undefined;
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none';
      throw new ArgocdError('E_NO_CLUSTER', `argocd.context "${opts.context}" is not in ${origin} (contexts: ${known})`);
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) throw new ArgocdError('E_NO_CLUSTER', `${origin} has no current cluster`);
  return new KubeConnection(kc, `${origin}${opts.context ? ` (context ${opts.context})` : ''}`);
}

import { noCluster } from './errors.js';

export { noCluster };

/** The connection, or the typed "not connected to a cluster" error. */
export function requireKube(conn: KubeConnection | undefined): KubeConnection {
  if (!conn) throw noCluster();
  return conn;
}
