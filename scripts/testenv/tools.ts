/**
 * What each binary of the test environment is built from: a wrapper module under tools/
 * (go.mod + go.sum committed) that records the upstream command as a Go `tool`.
 */
import { join } from 'node:path';
import { PINNED, REPO_ROOT, type Versions } from './config.js';

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
  /** tools/<wrapper>, holding go.mod and go.sum. */
  wrapper: string;
  ldflags: (version: string) => string[];
  tags?: string;
  /** GOTOOLCHAIN for a release that needs a newer Go than the machine's (fetched through the proxy). */
  toolchain?: string;
  /** Replace lines (`old=new@version`) of a throw-away wrapper for a version other than the pinned one. */
  replacesFor?: (version: string) => string[];
}

const TOOLS = join(REPO_ROOT, 'tools');

/** Argo CD v3.6 and kustomize v5.8 declare `go 1.27.0`; the proxy serves this toolchain. */
export const GO_1_27 = 'go1.27.3';

/** k8s.io/kubernetes v1.N.P publishes its staging modules (k8s.io/api, …) as v0.N.P. */
export function stagingVersion(kubeVersion: string): string {
  return kubeVersion.replace(/^v1\./, 'v0.');
}

export const KUBE_STAGING = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
].map((m) => `k8s.io/${m}`);

export function tofuTool(version: string): GoTool {
  return {
    name: 'tofu',
    version,
    pinned: PINNED.tofu,
    module: 'github.com/opentofu/opentofu',
    pkg: 'github.com/opentofu/opentofu/cmd/tofu',
    wrapper: join(TOOLS, 'tofu'),
    // Without this, `tofu version` calls itself a development build.
    ldflags: () => ['-X github.com/opentofu/opentofu/version.dev=no'],
  };
}

export function etcdTool(version: string): GoTool {
  return {
    name: 'etcd',
    version,
    pinned: PINNED.etcd,
    module: 'go.etcd.io/etcd/server/v3',
    pkg: 'go.etcd.io/etcd/server/v3',
    wrapper: join(TOOLS, 'etcd'),
    ldflags: () => [],
    // etcd's own api/client modules move in lock step with the server.
    replacesFor: (v) =>
      ['go.etcd.io/etcd/api/v3', 'go.etcd.io/etcd/client/pkg/v3', 'go.etcd.io/etcd/client/v3', 'go.etcd.io/etcd/pkg/v3'].map((m) => `${m}=${m}@${v}`),
  };
}

export type KubeCommand = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/** The three control-plane commands share tools/kubernetes, its replaces, tags and ldflags. */
export function kubeTool(name: KubeCommand, version: string): GoTool {
  return {
    name,
    version,
    pinned: PINNED.kube,
    module: 'k8s.io/kubernetes',
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    wrapper: join(TOOLS, 'kubernetes'),
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

export function argocdTool(version: string): GoTool {
  return {
    name: 'argocd',
    version,
    pinned: PINNED.argocd,
    module: 'github.com/argoproj/argo-cd/v3',
    pkg: 'github.com/argoproj/argo-cd/v3/cmd',
    wrapper: join(TOOLS, 'argocd'),
    toolchain: GO_1_27,
    // What Argo CD's Makefile sets: the components report it (`argocd-repo-server version`).
    ldflags: (v) => [
      `-X github.com/argoproj/argo-cd/v3/common.version=${v.replace(/^v/, '')}`,
      '-X github.com/argoproj/argo-cd/v3/common.gitTreeState=clean',
    ],
  };
}

export function kwokTool(version: string): GoTool {
  return {
    name: 'kwok',
    version,
    pinned: PINNED.kwok,
    module: 'sigs.k8s.io/kwok',
    pkg: 'sigs.k8s.io/kwok/cmd/kwok',
    wrapper: join(TOOLS, 'kwok'),
    ldflags: (v) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${v.replace(/^v/, '')}`],
  };
}

export function kustomizeTool(version: string): GoTool {
  return {
    name: 'kustomize',
    version,
    pinned: PINNED.kustomize,
    module: 'sigs.k8s.io/kustomize/kustomize/v5',
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
    wrapper: join(TOOLS, 'kustomize'),
    toolchain: GO_1_27,
    // `kustomize version` reads the module version from the build info: nothing to set.
    ldflags: () => [],
  };
}

export function helmTool(version: string): GoTool {
  const rules = 'helm.sh/helm/v3/pkg/lint/rules';
  const chartutil = 'helm.sh/helm/v3/pkg/chartutil';
  return {
    name: 'helm',
    version,
    pinned: PINNED.helm,
    module: 'helm.sh/helm/v3',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    wrapper: join(TOOLS, 'helm'),
    // As helm's Makefile: its version, and the default Kubernetes version of `helm template`
    // taken from the client-go it is built with (v0.37 → 1.37; Argo CD passes the cluster's own).
    ldflags: (v) => [
      `-X helm.sh/helm/v3/internal/version.version=${v}`,
      `-X ${chartutil}.k8sVersionMajor=1`,
      `-X ${chartutil}.k8sVersionMinor=37`,
      `-X ${rules}.k8sVersionMajor=1`,
      `-X ${rules}.k8sVersionMinor=37`,
    ],
  };
}

export function registryTool(version: string): GoTool {
  return {
    name: 'registry',
    version,
    pinned: PINNED.registry,
    module: 'github.com/distribution/distribution/v3',
    pkg: 'github.com/distribution/distribution/v3/cmd/registry',
    wrapper: join(TOOLS, 'registry'),
    ldflags: (v) => [`-X github.com/distribution/distribution/v3/version.version=${v}`],
  };
}

export function craneTool(version: string): GoTool {
  return {
    name: 'crane',
    version,
    pinned: PINNED.crane,
    module: 'github.com/google/go-containerregistry',
    pkg: 'github.com/google/go-containerregistry/cmd/crane',
    wrapper: join(TOOLS, 'crane'),
    ldflags: (v) => [`-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=${v}`],
  };
}

export function cosignTool(version: string): GoTool {
  return {
    name: 'cosign',
    version,
    pinned: PINNED.cosign,
    module: 'github.com/sigstore/cosign/v2',
    pkg: 'github.com/sigstore/cosign/v2/cmd/cosign',
    wrapper: join(TOOLS, 'cosign'),
    // As cosign's Makefile: `cosign version` reports the release.
    ldflags: (v) => [`-X sigs.k8s.io/release-utils/version.gitVersion=${v}`],
  };
}

/** Every binary `up` needs, keyed by what the rest of the script calls it. */
export function allTools(v: Versions) {
  return {
    tofu: tofuTool(v.tofu),
    etcd: etcdTool(v.etcd),
    apiserver: kubeTool('kube-apiserver', v.kube),
    controllerManager: kubeTool('kube-controller-manager', v.kube),
    scheduler: kubeTool('kube-scheduler', v.kube),
    kwok: kwokTool(v.kwok),
    argocd: argocdTool(v.argocd),
    kustomize: kustomizeTool(v.kustomize),
    helm: helmTool(v.helm),
    registry: registryTool(v.registry),
    crane: craneTool(v.crane),
    cosign: cosignTool(v.cosign),
  };
}

export type ToolKey = keyof ReturnType<typeof allTools>;

/** Where a tool's binary is (or will be) cached. */
export function cachedPath(tool: GoTool, binDir: string): string {
  return join(binDir, `${tool.name}-${tool.version}`);
}
