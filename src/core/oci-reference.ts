/**
 * The parts of an image reference that reach a registry request, a git commit and a file, checked
 * against the distribution reference grammar (github.com/distribution/reference, `regexp.go`).
 * Strict on purpose: a name that does not match is refused before any request is made.
 */

/** OCI distribution spec: a tag is at most 128 characters of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Only sha256 is pinned: it is what every registry in use reports as `Docker-Content-Digest`. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** `domain-component` joined by dots, optional port; IPv6 literals are not accepted. */
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$/;
/** `path-component`: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** distribution/reference: NameTotalLengthMax. */
const NAME_MAX = 255;

export interface RegistryRepository {
  /** Host (and port) of the registry API: `ghcr.io`, `127.0.0.1:5000`, `registry-1.docker.io`. */
  host: string;
  /** The repository on that registry: `example/web`, `library/postgres`. */
  path: string;
  /** Where Docker keeps the credentials of that registry in `config.json` (`https://index.docker.io/v1/` for Docker Hub). */
  authKey: string;
}

const DOCKER_HUB_API = 'registry-1.docker.io';
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * Splits an image name without tag or digest into registry host and repository path, the way
 * Docker does: the first component is a registry when it has a `.` or `:` or is `localhost`;
 * otherwise the image is on Docker Hub (`postgres` → `library/postgres`).
 */
export function parseRepository(image: string): RegistryRepository {
  const bad = (why: string) => new Error(`"${image.slice(0, 120)}" is not an image name: ${why}`);
  if (image.length === 0 || image.length > NAME_MAX) throw bad(`must be 1–${NAME_MAX} characters`);
  const parts = image.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasRegistry ? first : 'docker.io';
  const rest = hasRegistry ? parts.slice(1) : parts;
  if (hasRegistry && !DOMAIN.test(host)) throw bad(`"${host}" is not a registry host`);
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw bad(`port ${port} is out of range`);
  for (const c of rest) {
    if (!PATH_COMPONENT.test(c)) throw bad(`"${c}" is not a repository path component (lowercase letters, digits, and . _ __ - between them)`);
  }
  host = host.toLowerCase();
  if (host === 'docker.io' || host === 'index.docker.io' || host === DOCKER_HUB_API) {
    const path = rest.length === 1 ? `library/${rest[0]}` : rest.join('/');
    return { host: DOCKER_HUB_API, path, authKey: DOCKER_HUB_AUTH_KEY };
  }
  return { host, path: rest.join('/'), authKey: host };
}
