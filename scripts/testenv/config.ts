import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions. The Go wrappers under tools/ pin the same ones in their go.mod. */
export const PINNED = {
  tofu: 'v1.12.6',
  etcd: 'v3.6.16',
  /** kube-apiserver, kube-controller-manager and kube-scheduler: one release, one wrapper. */
  kube: 'v1.35.4',
  argocd: 'v3.6.1',
  kwok: 'v0.8.0',
  kustomize: 'v5.8.3',
  helm: 'v3.22.0',
  registry: 'v3.1.2',
  crane: 'v0.22.1',
  /** Tests sign images with it; opsbot verifies signatures with the same release (Dockerfile). */
  cosign: 'v2.6.5',
} as const;

export type Versions = { -readonly [K in keyof typeof PINNED]: string };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Settings {
  /** Where state, logs, certs and kubeconfigs live (`.testenv/` unless overridden). */
  dir: string;
  /** Built binaries, keyed by version, outside the work tree. */
  binDir: string;
  versions: Versions;
}

/** The override variable of each version (for tests of the script and local experiments). */
const VERSION_ENV: Record<keyof Versions, string> = {
  tofu: 'OPSBOT_TESTENV_TOFU_VERSION',
  etcd: 'OPSBOT_TESTENV_ETCD_VERSION',
  kube: 'OPSBOT_TESTENV_KUBE_VERSION',
  argocd: 'OPSBOT_TESTENV_ARGOCD_VERSION',
  kwok: 'OPSBOT_TESTENV_KWOK_VERSION',
  kustomize: 'OPSBOT_TESTENV_KUSTOMIZE_VERSION',
  helm: 'OPSBOT_TESTENV_HELM_VERSION',
  registry: 'OPSBOT_TESTENV_REGISTRY_VERSION',
  crane: 'OPSBOT_TESTENV_CRANE_VERSION',
  cosign: 'OPSBOT_TESTENV_COSIGN_VERSION',
};

/**
 * Overrides exist for tests of the script itself (a version the proxy does not serve, a
 * throw-away cache and state directory) and for trying another release locally.
 */
export function settings(env: NodeJS.ProcessEnv = process.env): Settings {
  const cache = env.OPSBOT_CACHE || join(homedir(), '.cache', 'opsbot');
  const versions = Object.fromEntries((Object.keys(PINNED) as (keyof Versions)[]).map((k) => [k, env[VERSION_ENV[k]] || PINNED[k]])) as Versions;
  return {
    dir: resolve(env.OPSBOT_TESTENV_DIR || join(REPO_ROOT, '.testenv')),
    binDir: join(resolve(cache), 'bin'),
    versions,
  };
}

/** The long-running processes, in start order (`down` stops them in reverse). */
export const PARTS = [
  'redis',
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'argocd-redis',
  'argocd-repo-server',
  'argocd-application-controller',
  'registry',
] as const;

export type Part = (typeof PARTS)[number];

export function isPart(name: string | undefined): name is Part {
  return (PARTS as readonly string[]).includes(name ?? '');
}
