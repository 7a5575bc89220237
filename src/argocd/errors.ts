import { OpsbotError } from '../core/errors.js';

/**
 * Errors of the Argo CD layer. Callers branch on `code`. The message is written where the error
 * is thrown and is what the chat shows: the Application (namespace/name) and Argo CD's own words.
 */
export const ARGOCD_ERROR_CODES = [
  /** No kubeconfig and not running in a cluster: Argo CD features are off. */
  'E_NO_CLUSTER',
  /** The API server answered 401/403: the credentials or their RBAC do not allow the call. */
  'E_KUBE_FORBIDDEN',
  /** The API server could not be reached, or answered with a server error. */
  'E_KUBE_UNREACHABLE',
  /** The API server does not serve applications.argoproj.io: Argo CD's CRDs are not installed. */
  'E_ARGOCD_NOT_INSTALLED',
  /** The Application does not exist, or was deleted while it was followed. */
  'E_ARGOCD_APP_MISSING',
  /** Argo CD reported the sync failed, or the app degraded, while a deploy was followed. */
  'E_DEPLOY_FAILED',
  /** A followed deploy did not become synced and healthy in time. */
  'E_DEPLOY_TIMEOUT',
] as const;

export type ArgocdErrorCode = (typeof ARGOCD_ERROR_CODES)[number];

export class ArgocdError extends OpsbotError {
  override readonly name = 'ArgocdError';
  declare readonly code: ArgocdErrorCode;

  constructor(code: ArgocdErrorCode, message: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(code, message, options);
    this.httpStatus = options?.httpStatus;
  }

  /** The API server's HTTP status, when the error came from one. */
  readonly httpStatus: number | undefined;
}

export function isArgocdError(err: unknown, code?: ArgocdErrorCode): err is ArgocdError {
  return err instanceof ArgocdError && (code === undefined || err.code === code);
}

/** What callers throw when there is no connection. */
export function noCluster(): ArgocdError {
  return new ArgocdError(
    'E_NO_CLUSTER',
    'opsbot is not connected to a Kubernetes cluster: set KUBECONFIG (and argocd.context) or run it in the cluster',
  );
}

/** What every Application read says when the API server does not know the kind at all. */
export function notInstalled(namespace: string, cause?: unknown): ArgocdError {
  return new ArgocdError(
    'E_ARGOCD_NOT_INSTALLED',
    `Argo CD is not installed in namespace ${namespace}: the Kubernetes API server does not serve applications.argoproj.io (Argo CD's CRDs are missing)`,
    { cause, httpStatus: 404 },
  );
}
