import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { TestenvError, tail } from './log.js';
import { GO_1_27 } from './tools.js';

/**
 * The source tree of a module release in the Go module cache (downloaded through the proxy on
 * first use): where the environment takes what a release ships besides its code — Argo CD's
 * CRDs, config manifests and hack/git-verify-wrapper.sh, kwok's Stage definitions — never
 * hand-written, never committed.
 */
export async function moduleDir(part: string, module: string, version: string, toolchain?: string): Promise<string> {
  const args = ['mod', 'download', '-json', `${module}@${version}`];
  // Outside any module, so the wrapper modules' go.mod files play no part.
  const env: Record<string, string> = { GOWORK: 'off', GOFLAGS: '-mod=mod', ...(toolchain ? { GOTOOLCHAIN: toolchain } : {}) };
  const r = await execa('go', args, { cwd: tmpdir(), env, stdin: 'ignore', reject: false });
  const out = (() => {
    try {
      return JSON.parse(r.stdout) as { Dir?: string; Error?: string };
    } catch {
      return {};
    }
  })();
  if (r.exitCode !== 0 || !out.Dir) {
    throw new TestenvError(part, `\`go ${args.join(' ')}\` failed: ${out.Error ?? tail(`${r.stderr}\n${r.stdout}`)}`);
  }
  return out.Dir;
}

export const ARGOCD_MODULE = 'github.com/argoproj/argo-cd/v3';
export const KWOK_MODULE = 'sigs.k8s.io/kwok';

export interface ArgoRelease {
  dir: string;
  crds: { application: string; appproject: string };
  /** manifests/base/config/: argocd-cm, argocd-rbac-cm, argocd-secret as the release ships them. */
  config: string;
  gitVerifyWrapper: string;
}

/** Argo CD v3.6 declares `go 1.27.0`: even downloading it needs that toolchain. */
export async function argoRelease(version: string): Promise<ArgoRelease> {
  const dir = await moduleDir('argocd-release', ARGOCD_MODULE, version, GO_1_27);
  const crds = join(dir, 'manifests', 'crds');
  return {
    dir,
    crds: { application: join(crds, 'application-crd.yaml'), appproject: join(crds, 'appproject-crd.yaml') },
    config: join(dir, 'manifests', 'base', 'config'),
    gitVerifyWrapper: join(dir, 'hack', 'git-verify-wrapper.sh'),
  };
}
