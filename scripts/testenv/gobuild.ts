import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from './config.js';
import { TestenvError, tail } from './log.js';

/** One binary built from a wrapper module under tools/ (see tools/README-like comments in each go.mod). */
export interface GoTool {
  /** Name of the part in messages and of the cached binary: `<name>-<version>`. */
  name: string;
  /** The release to build. */
  version: string;
  /** The release the committed wrapper pins. */
  pinned: string;
  /** Module and package whose `main` is built; the package is recorded as a Go `tool`. */
  module: string;
  pkg: string;
  /** tools/<wrapper>/go.mod */
  wrapper: string;
  ldflags: (version: string) => string[];
  tags?: string;
  /** Rewrites replace lines of a temporary wrapper for a version other than the pinned one. */
  replacesFor?: (version: string) => string[];
}

const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off' };

interface Ran {
  cmd: string;
  cwd: string;
}

async function go(part: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Ran> {
  const shown = `go ${args.join(' ')}`;
  const r = await execa('go', args, { cwd, env: { ...GO_ENV, ...extraEnv }, stdin: 'ignore', reject: false, all: true });
  if (r.failed) {
    const why = r.exitCode === undefined ? (r.shortMessage ?? 'could not run go') : `exited with code ${r.exitCode}`;
    throw new TestenvError(part, `build failed: \`${shown}\` (in ${cwd}) ${why}:\n${tail(r.all ?? '')}`);
  }
  return { cmd: shown, cwd };
}

/**
 * A throw-away copy of the wrapper that records another release of the tool: used for version
 * overrides, so the committed go.mod/go.sum stay pinned.
 */
async function overrideWrapper(tool: GoTool): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `opsbot-${tool.name}-wrapper-`));
  copyFileSync(join(tool.wrapper, 'go.mod'), join(dir, 'go.mod'));
  if (existsSync(join(tool.wrapper, 'go.sum'))) copyFileSync(join(tool.wrapper, 'go.sum'), join(dir, 'go.sum'));
  const flags = `${process.env.GOFLAGS ?? ''} -mod=mod`.trim();
  const replaces = tool.replacesFor?.(tool.version) ?? [];
  if (replaces.length) await go(tool.name, ['mod', 'edit', ...replaces.map((r) => `-replace=${r}`)], dir);
  await go(tool.name, ['get', '-tool', `${tool.pkg}@${tool.version}`], dir, { GOFLAGS: flags });
  return dir;
}

export interface Built {
  path: string;
  cached: boolean;
}

/**
 * Builds `tool` into `<binDir>/<name>-<version>` unless it is there already. The binary is
 * written under a temporary name and renamed, so a failed or interrupted build never leaves
 * something that a later run would take for a finished one.
 */
export async function buildTool(tool: GoTool, binDir: string): Promise<Built> {
  const out = join(binDir, `${tool.name}-${tool.version}`);
  if (existsSync(out)) return { path: out, cached: true };
  mkdirSync(binDir, { recursive: true });
  const pinned = tool.version === tool.pinned;
  const dir = pinned ? tool.wrapper : await overrideWrapper(tool);
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    const args = ['build', '-trimpath', '-o', tmp];
    if (tool.tags) args.push('-tags', tool.tags);
    const ld = tool.ldflags(tool.version);
    if (ld.length) args.push('-ldflags', ld.join(' '));
    args.push(tool.pkg);
    // The pinned wrapper builds read-only against its committed go.sum: what is built is
    // exactly what is pinned. Override wrappers were just resolved with -mod=mod.
    await go(tool.name, args, dir);
    renameSync(tmp, out);
    return { path: out, cached: false };
  } finally {
    rmSync(tmp, { force: true });
    if (!pinned) rmSync(dir, { recursive: true, force: true });
  }
}

const TOOLS = join(REPO_ROOT, 'tools');

export function tofuTool(version: string, pinned: string): GoTool {
  return {
    name: 'tofu',
    version,
    pinned,
    module: 'github.com/opentofu/opentofu',
    pkg: 'github.com/opentofu/opentofu/cmd/tofu',
    wrapper: join(TOOLS, 'tofu'),
    // Without this, `tofu version` calls itself a development build.
    ldflags: () => ['-X github.com/opentofu/opentofu/version.dev=no'],
  };
}

export function etcdTool(version: string, pinned: string): GoTool {
  return {
    name: 'etcd',
    version,
    pinned,
    module: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    wrapper: join(TOOLS, 'etcd'),
    ldflags: () => [],
    // etcd's own api/client modules move in lock step with the server.
    replacesFor: (v) =>
      ['go.etcd.io/etcd/api/v3', 'go.etcd.io/etcd/client/pkg/v3', 'go.etcd.io/etcd/client/v3', 'go.etcd.io/etcd/pkg/v3'].map(
        (m) => `${m}=${m}@${v}`,
      ),
  };
}

/** k8s.io/kubernetes v1.N.P publishes its staging modules (k8s.io/api, …) as v0.N.P. */
export function stagingVersion(kubeVersion: string): string {
  return kubeVersion.replace(/^v1\./, 'v0.');
}

export const KUBE_STAGING = [
  'api', 'apiextensions-apiserver', 'apimachinery', 'apiserver', 'cli-runtime', 'client-go', 'cloud-provider',
  'cluster-bootstrap', 'code-generator', 'component-base', 'component-helpers', 'controller-manager', 'cri-api',
  'cri-client', 'csi-translation-lib', 'dynamic-resource-allocation', 'endpointslice', 'externaljwt', 'kms',
  'kube-aggregator', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubectl', 'kubelet', 'metrics',
  'mount-utils', 'pod-security-admission', 'sample-apiserver', 'sample-cli-plugin', 'sample-controller',
].map((m) => `k8s.io/${m}`);

export function kubeApiserverTool(version: string, pinned: string): GoTool {
  return {
    name: 'kube-apiserver',
    version,
    pinned,
    module: 'k8s.io/kubernetes',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    wrapper: join(TOOLS, 'kube-apiserver'),
    tags: 'selinux,notest,grpcnotrace',
    // Without these, /version reports v0.0.0-master and clients warn about skew.
    ldflags: (v) => {
      const [major, minor] = v.replace(/^v/, '').split('.');
      const pkg = 'k8s.io/component-base/version';
      return [`-X ${pkg}.gitVersion=${v}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`];
    },
    replacesFor: (v) => KUBE_STAGING.map((m) => `${m}=${m}@${stagingVersion(v)}`),
  };
}
