import { DIGEST_PATTERN, TAG_PATTERN } from '../../core/oci-reference.js';
import { GitopsError } from '../errors.js';

export { DIGEST_PATTERN, TAG_PATTERN };

/**
 * Image references as people write them in manifests:
 * `ghcr.io/org/web@sha256:…`, `repo:tag@sha256:…`, `"postgres:17.4"`, bare `influxdb`,
 * `localhost:5000/x:1`. Parsing follows the distribution reference grammar closely enough to
 * split repository / tag / digest; it does not try to be a full validator of what is in a file.
 */
export interface ImageRef {
  /** As written, without tag or digest: `ghcr.io/org/web`, `localhost:5000/x`, `influxdb`. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>` */
  digest?: string;
}

/**
 * What a user may ask to deploy: an OCI tag, a sha256 digest, or both as `1.5.0@sha256:…` (the
 * digest is what is written; the tag says which one it should be, and a pinned environment
 * checks it against the registry).
 */
export type RequestedRef = { kind: 'tag'; value: string } | { kind: 'digest'; value: string; tag?: string };

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A ':' after the last '/' separates the tag; one before it is a registry port (localhost:5000/x).
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * The canonical form used only for comparing repositories: Docker Hub's implicit registry and
 * `library/` namespace are made explicit, so `postgres`, `library/postgres` and
 * `docker.io/library/postgres` are the same image.
 */
export function canonicalRepository(repository: string): string {
  const repo = repository.toLowerCase();
  const slash = repo.indexOf('/');
  const first = slash < 0 ? '' : repo.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) return repo.includes('/') ? `docker.io/${repo}` : `docker.io/library/${repo}`;
  const registry = first === 'index.docker.io' || first === 'registry-1.docker.io' ? 'docker.io' : first;
  const path = repo.slice(slash + 1);
  return registry === 'docker.io' && !path.includes('/') ? `docker.io/library/${path}` : `${registry}/${path}`;
}

export function sameRepository(a: string, b: string): boolean {
  return canonicalRepository(a) === canonicalRepository(b);
}

/** Validates what a user asked for before anything is read or written. */
export function parseRequestedRef(ref: string, file?: string): RequestedRef {
  if (DIGEST_PATTERN.test(ref)) return { kind: 'digest', value: ref };
  if (TAG_PATTERN.test(ref)) return { kind: 'tag', value: ref };
  const at = ref.indexOf('@');
  if (at > 0 && TAG_PATTERN.test(ref.slice(0, at)) && DIGEST_PATTERN.test(ref.slice(at + 1))) return { kind: 'digest', value: ref.slice(at + 1), tag: ref.slice(0, at) };
  const hint = ref.includes('sha256:')
    ? 'a digest must be "sha256:" followed by 64 lowercase hex characters'
    : 'a tag is 1–128 of A-Z a-z 0-9 _ . - and cannot start with "." or "-"';
  throw new GitopsError('E_BAD_TAG', `${file ? `${file}: ` : ''}"${ref.slice(0, 140)}" is not a valid image tag or digest: ${hint}`, file);
}

/** The tag or digest an image reference resolves to; a digest wins because the runtime pulls by it. */
export function effectiveRef(ref: ImageRef): string | null {
  return ref.digest ?? ref.tag ?? null;
}

/** The same repository, now pointing at the requested tag or digest (a stale pin is dropped). */
export function withRequestedRef(ref: ImageRef, requested: RequestedRef): ImageRef {
  return requested.kind === 'tag'
    ? { repository: ref.repository, tag: requested.value }
    : { repository: ref.repository, digest: requested.value };
}
