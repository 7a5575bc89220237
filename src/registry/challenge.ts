/**
 * The `WWW-Authenticate` challenge of a 401 from a registry (RFC 7235 auth-params), e.g. as
 * ghcr.io and Docker Hub send it:
 *
 *   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"
 *
 * and as a distribution registry with htpasswd sends it: `Basic realm="Registry Realm"`.
 */
export type Challenge = { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string; scope?: string };

const PARAM = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;

/** Null when the header is absent or names a scheme opsbot does not speak. */
export function parseChallenge(header: string | undefined): Challenge | null {
  if (!header) return null;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return null;
  const params = new Map<string, string>();
  const rest = m[2]!;
  PARAM.lastIndex = 0;
  while (PARAM.lastIndex < rest.length) {
    const start = PARAM.lastIndex;
    const p = PARAM.exec(rest);
    if (!p || PARAM.lastIndex === start) return null;
    params.set(p[1]!.toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!);
    while (rest[PARAM.lastIndex] === ' ') PARAM.lastIndex++;
  }
  const realm = params.get('realm');
  if (!realm) return null;
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return null;
  }
  // A token realm is where credentials are sent: https only (plain http only to loopback, as Docker allows for local registries).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return null;
  return {
    scheme: 'bearer',
    realm,
    ...(params.has('service') ? { service: params.get('service')! } : {}),
    ...(params.has('scope') ? { scope: params.get('scope')! } : {}),
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}
