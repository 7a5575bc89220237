import { createHash } from 'node:crypto';

/**
 * A configured remote split into what may be written to disk (the URL without credentials) and
 * what may not (a token or password embedded in it), plus a stable cache directory name.
 */
export interface GitRemote {
  /** Safe to store in `.git/config` and to print. */
  url: string;
  /** Credentials found in the configured URL, if any; they go into a header, never on disk. */
  username?: string;
  password?: string;
  isHttp: boolean;
}

export function parseRemote(configured: string): GitRemote {
  if (/^https?:\/\//i.test(configured)) {
    const u = new URL(configured);
    const username = u.username ? decodeURIComponent(u.username) : undefined;
    const password = u.password ? decodeURIComponent(u.password) : undefined;
    u.username = '';
    u.password = '';
    return {
      url: u.toString(),
      isHttp: true,
      // `https://<token>@host/…` puts the token where the user name goes.
      ...(password ? { username, password } : username ? { password: username } : {}),
    };
  }
  return { url: configured, isHttp: false };
}

/** `github.com-example-gitops-3fa8c1d2`: readable, unique per remote, safe as a path segment. */
export function cacheDirName(remote: GitRemote): string {
  const hash = createHash('sha256').update(remote.url).digest('hex').slice(0, 12);
  const readable = remote.url
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(-60);
  return `${readable || 'repo'}-${hash}`;
}
