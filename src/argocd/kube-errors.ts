/**
 * API server failures as typed errors, and the rule for repeating them: a 401/403 is a
 * configuration problem (token, RBAC) that retrying will not fix by itself, so it is reported
 * once — clearly, with the verb and resource the API server refused — and then retried with
 * backoff, quietly, until it works again (someone fixes the RBAC) and is reported as recovered.
 */
import { ArgocdError } from './errors.js';

/** The HTTP status of an error from client-node: `ApiException.code`, or `statusCode` from `Watch`. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** The error's body: a parsed `Status` object, or the text when it is not JSON. */
function errorBody(err: unknown): { parsed?: unknown; text?: string } {
  const body = (err as { body?: unknown }).body;
  if (typeof body !== 'string') return { parsed: body };
  try {
    return { parsed: JSON.parse(body) };
  } catch {
    return { text: body };
  }
}

/** The API server's own words (a `Status` object's message), when the body holds one. */
function statusMessage(err: unknown): string | undefined {
  const { parsed, text: plain } = errorBody(err);
  if (plain !== undefined) return plain.trim().slice(0, 300) || undefined;
  const msg = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof msg === 'string') return msg;
  // client-node 1.x ApiException text: "HTTP-Code: 403\nMessage: …\nBody: {…Status…}\nHeaders: {…}".
  // Headers carry per-request audit ids: never part of what a person is shown.
  const text = err instanceof Error ? err.message : '';
  const bodyJson = /\nBody: (\{.*\})\n/.exec(text)?.[1];
  if (bodyJson) {
    try {
      const m = (JSON.parse(bodyJson) as { message?: unknown }).message;
      if (typeof m === 'string') return m;
    } catch {
      // fall through to the status line
    }
  }
  return /Message: (.*)/.exec(text)?.[1]?.trim();
}

/**
 * A 404 for the kind itself rather than for one object. For a missing object the API server
 * answers a Status that names it (`details.name`); for a kind it does not serve it answers a
 * Status naming nothing ("the server could not find the requested resource") or, when the whole
 * API group is unknown, the plain text "404 page not found" (both seen from kube-apiserver v1.35).
 */
export function isUnservedKind(err: unknown): boolean {
  if (httpStatusOf(err) !== 404) return false;
  const { parsed, text } = errorBody(err);
  if (text !== undefined) return true;
  const details = (parsed as { details?: { name?: unknown } } | undefined)?.details;
  return typeof details?.name !== 'string';
}

export function kubeError(err: unknown, what: string): ArgocdError {
  if (err instanceof ArgocdError) return err;
  const status = httpStatusOf(err);
  const detail = statusMessage(err) ?? (err instanceof Error ? err.message : String(err));
  if (status === 401) {
    return new ArgocdError(
      'E_KUBE_FORBIDDEN',
      `the Kubernetes API server rejected opsbot's credentials (401) for: ${what}. Check the token in the kubeconfig. (${detail})`,
      { cause: err, httpStatus: status },
    );
  }
  if (status === 403) {
    return new ArgocdError(
      'E_KUBE_FORBIDDEN',
      `opsbot may not ${what}: the Kubernetes API server answered 403 Forbidden (${detail}). Grant it in opsbot's Role/ClusterRole.`,
      { cause: err, httpStatus: status },
    );
  }
  if (status !== undefined) {
    return new ArgocdError('E_KUBE_UNREACHABLE', `${what} failed: the Kubernetes API server answered ${status} (${detail})`, {
      cause: err,
      httpStatus: status,
    });
  }
  return new ArgocdError('E_KUBE_UNREACHABLE', `${what} failed: the Kubernetes API server is unreachable (${detail})`, { cause: err });
}

/**
 * Says "forbidden" once per distinct cause and "recovered" once after it, instead of once per
 * retry: a watcher retrying every 30 s for a day must not fill the log or the chat.
 */
export class ForbiddenReport {
  private current: string | undefined;

  constructor(
    private readonly onForbidden: (err: ArgocdError) => void,
    private readonly onRecovered: (what: string) => void = () => undefined,
  ) {}

  failed(err: ArgocdError): void {
    // Keyed by status, not text: the API server's message can vary between retries (audit ids).
    const cause = `${err.code}:${err.httpStatus ?? ''}`;
    if (err.code !== 'E_KUBE_FORBIDDEN' || this.current === cause) return;
    this.current = cause;
    this.onForbidden(err);
  }

  succeeded(what: string): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.onRecovered(what);
  }

  get reported(): boolean {
    return this.current !== undefined;
  }
}
