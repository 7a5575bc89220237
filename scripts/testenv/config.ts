import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned versions. The Go wrappers under tools/ pin the same ones in their go.mod. */
export const PINNED = {
  tofu: 'v1.12.6',
  etcd: 'v3.6.16',
  kubeApiserver: 'v1.35.4',
  argocd: 'v3.5.7',
} as const;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Settings {
  /** Where state, logs, certs and kubeconfigs live (`.testenv/` unless overridden). */
  dir: string;
  /** Built binaries, keyed by version, outside the work tree. */
  binDir: string;
  versions: { tofu: string; etcd: string; kubeApiserver: string; argocd: string };
}

/**
 * Overrides exist for tests of the script itself (a version the proxy does not serve, a
 * throw-away cache and state directory) and for trying another release locally.
 */
export function settings(env: NodeJS.ProcessEnv = process.env): Settings {
  const cache = env.OPSBOT_CACHE || join(homedir(), '.cache', 'opsbot');
  return {
    dir: resolve(env.OPSBOT_TESTENV_DIR || join(REPO_ROOT, '.testenv')),
    binDir: join(resolve(cache), 'bin'),
    versions: {
      tofu: env.OPSBOT_TESTENV_TOFU_VERSION || PINNED.tofu,
      etcd: env.OPSBOT_TESTENV_ETCD_VERSION || PINNED.etcd,
      kubeApiserver: env.OPSBOT_TESTENV_KUBE_VERSION || PINNED.kubeApiserver,
      argocd: env.OPSBOT_TESTENV_ARGOCD_VERSION || PINNED.argocd,
    },
  };
}

export type Part = 'redis' | 'etcd' | 'kube-apiserver';
export const PARTS: readonly Part[] = ['redis', 'etcd', 'kube-apiserver'];
