import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors.js';

/**
 * Registry credentials found the way Docker and crane find them: the `auths` of
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), written by `docker login` or
 * `crane auth login`. An entry holds `auth` (base64 of `user:password`) or `username` and
 * `password`. Keys are matched by host, as Docker's `ConvertToHostname` does: a scheme and a
 * path are ignored, so `https://ghcr.io` and `ghcr.io` are the same entry.
 */
export interface Credentials {
  username: string;
  password: string;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

/** Docker Hub is stored under its v1 index URL; the other names it goes by find the same entry. */
const DOCKER_HUB_NAMES = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

function hostOf(key: string): string {
  const noScheme = key.replace(/^https?:\/\//i, '');
  return noScheme.split('/')[0]!.toLowerCase();
}

/**
 * The `auths` of the config file, and nothing else of it (a `credsStore` or `credHelpers` entry
 * would name a program to run); empty when there is no file: anonymous pulls, as with Docker.
 */
export async function readAuths(env: NodeJS.ProcessEnv): Promise<{ file: string; auths: Record<string, AuthEntry> }> {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { file, auths: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RegistryError('E_REGISTRY_AUTH', `${file} is not valid JSON: fix or remove it (it holds the registry credentials)`);
  }
  const auths = (parsed as { auths?: unknown } | null)?.auths;
  return { file, auths: auths && typeof auths === 'object' ? (auths as Record<string, AuthEntry>) : {} };
}

/** The credentials for `authKey` (see parseRepository), or null when the file has none: anonymous. */
export async function findCredentials(authKey: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const { file, auths } = await readAuths(env);
  const wanted = hostOf(authKey);
  const hub = DOCKER_HUB_NAMES.has(wanted);
  for (const [key, entry] of Object.entries(auths)) {
    const host = hostOf(key);
    if (host !== wanted && !(hub && DOCKER_HUB_NAMES.has(host))) continue;
    return decodeEntry(entry, key, file);
  }
  return null;
}

function decodeEntry(entry: AuthEntry, key: string, file: string): Credentials | null {
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username) {
    return { username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new RegistryError('E_REGISTRY_AUTH', `${file}: the "auth" of ${key} is not base64 of "user:password"`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  // An entry with only an identity token or nothing usable: try anonymously.
  return null;
}
