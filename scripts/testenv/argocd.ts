/**
 * Argo CD's repo-server and application-controller (one `argocd` binary, the component chosen
 * by ARGOCD_BINARY_NAME), each with what it needs to run as a plain process on this machine
 * instead of in its Deployment/StatefulSet. Each requirement below was learnt from a failure
 * (see REAL-PARTS.md, "The whole GitOps loop").
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ARGOCD_NAMESPACE, type Apply } from './kube-setup.js';
import type { ArgoRelease } from './modules.js';
import type { Pki } from './pki.js';
import type { Ports, ServiceSpec } from './services.js';
import { writeAtomic } from './state.js';

/** The name the kube-apiserver is registered under as an Argo CD cluster. */
export const ARGOCD_CLUSTER_NAME = 'testenv';

/**
 * Reconciliation every 10 s with no jitter (Argo CD's defaults: 120 s plus up to 60 s), so a
 * pushed commit is seen within seconds without a webhook or refresh annotation: tests and the
 * deploy follow-up of the embedded default wait on Argo CD, and 3 minutes per step would make
 * both useless. The same value is the repo-server's revision cache expiry, as in Argo CD's own
 * manifests (both read argocd-cm's `timeout.reconciliation` into ARGOCD_RECONCILIATION_TIMEOUT).
 */
export const RECONCILIATION = { timeout: '10s', jitter: '0s' } as const;

export interface ArgoPaths {
  /** State of both components: their working directory, so `isOurs` knows them. */
  root: string;
  /** PATH additions of the repo-server: kustomize, helm and git-verify-wrapper.sh. */
  bin: string;
  home: string;
  tmp: string;
  gpgData: string;
  gnupgHome: string;
  tls: string;
  ssh: string;
}

export function argoPaths(dir: string): ArgoPaths {
  const root = join(dir, 'argocd');
  return {
    root,
    bin: join(root, 'bin'),
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
    gpgData: join(root, 'gpg', 'source'),
    gnupgHome: join(root, 'gpg', 'keys'),
    tls: join(root, 'tls'),
    ssh: join(root, 'ssh'),
  };
}

/**
 * The directories the repo-server insists on (its defaults under /app/config are fatal when
 * missing) and its PATH: the renderers it runs (`kustomize`, `helm`) and
 * `git-verify-wrapper.sh`, which v3.6.1 runs for every commit it reads — without it every
 * manifest generation fails with a bare "permission denied". The script is copied, not linked:
 * files in the Go module cache are read-only and not executable.
 */
export function prepareArgoDirs(dir: string, release: ArgoRelease, renderers: { kustomize: string; helm: string }): ArgoPaths {
  const p = argoPaths(dir);
  for (const d of [p.bin, p.home, p.tmp, p.gpgData, p.gnupgHome, p.tls, p.ssh]) mkdirSync(d, { recursive: true });
  for (const [name, target] of Object.entries(renderers)) {
    const link = join(p.bin, name);
    rmSync(link, { force: true });
    symlinkSync(target, link);
  }
  const wrapper = join(p.bin, 'git-verify-wrapper.sh');
  rmSync(wrapper, { force: true });
  copyFileSync(release.gitVerifyWrapper, wrapper);
  chmodSync(wrapper, 0o755);
  return p;
}

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
};

function shipped(release: ArgoRelease, file: string): Manifest {
  const m = parse(readFileSync(join(release.config, file), 'utf8')) as Manifest;
  return { ...m, metadata: { ...m.metadata, namespace: ARGOCD_NAMESPACE } };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** Argo CD's own server key, made once and kept (a new one on every `up` would churn the Secret). */
function serverSecretKey(paths: ArgoPaths): string {
  const file = join(paths.root, 'server.secretkey');
  if (!existsSync(file)) writeAtomic(file, randomBytes(32).toString('base64'), 0o600);
  return readFileSync(file, 'utf8');
}

/**
 * argocd-cm, argocd-rbac-cm and argocd-secret as the release ships them (labelled
 * `app.kubernetes.io/part-of: argocd`: its settings informers see nothing else, and the
 * controller exits with "configmap argocd-cm not found"), plus this environment's settings;
 * and the kube-apiserver registered as a cluster Secret with a bearer token — the in-cluster
 * destination (https://kubernetes.default.svc) needs KUBERNETES_SERVICE_HOST and a mounted
 * service-account token, which a process on this machine does not have.
 */
export async function applyArgoConfig(apply: Apply, release: ArgoRelease, paths: ArgoPaths, cluster: { server: string; pki: Pki }): Promise<void> {
  const ns = `/api/v1/namespaces/${ARGOCD_NAMESPACE}`;
  const cm = shipped(release, 'argocd-cm.yaml');
  cm.data = {
    ...cm.data,
    'timeout.reconciliation': RECONCILIATION.timeout,
    'timeout.reconciliation.jitter': RECONCILIATION.jitter,
    // No in-cluster destination here (see above): off, so the controller does not keep
    // trying to reach it.
    'cluster.inClusterEnabled': 'false',
  };
  await apply(`${ns}/configmaps/argocd-cm`, JSON.stringify(cm));
  await apply(`${ns}/configmaps/argocd-rbac-cm`, JSON.stringify(shipped(release, 'argocd-rbac-cm.yaml')));
  const secret = shipped(release, 'argocd-secret.yaml');
  await apply(`${ns}/secrets/argocd-secret`, JSON.stringify({ ...secret, data: { 'server.secretkey': b64(serverSecretKey(paths)) } }));

  const config = { bearerToken: cluster.pki.adminToken, tlsClientConfig: { insecure: false, caData: b64(readFileSync(cluster.pki.caCert)) } };
  const clusterSecret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `cluster-${ARGOCD_CLUSTER_NAME}`, namespace: ARGOCD_NAMESPACE, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
    type: 'Opaque',
    data: { name: b64(ARGOCD_CLUSTER_NAME), server: b64(cluster.server), config: b64(JSON.stringify(config)) },
  };
  await apply(`${ns}/secrets/${clusterSecret.metadata.name}`, JSON.stringify(clusterSecret));
}

/** Environment of both components. */
function commonEnv(paths: ArgoPaths, component: string): Record<string, string> {
  return {
    ARGOCD_BINARY_NAME: component,
    // GnuPG verification needs a keyring and gpg-agent; nothing here signs commits for Argo CD.
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_RECONCILIATION_TIMEOUT: RECONCILIATION.timeout,
    ARGOCD_RECONCILIATION_JITTER: RECONCILIATION.jitter,
    // Neither the user's git configuration nor /tmp: what they write stays in the state dir.
    HOME: paths.home,
    TMPDIR: paths.tmp,
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.body?.cancel();
  return r.ok;
}

export function repoServerSpec(binary: string, dir: string, ports: Ports, paths: ArgoPaths): ServiceSpec {
  return {
    part: 'argocd-repo-server',
    binary,
    args: [
      '--address',
      '127.0.0.1',
      '--port',
      String(ports.repoServer),
      '--metrics-address',
      '127.0.0.1',
      '--metrics-port',
      String(ports.repoServerMetrics),
      '--redis',
      `127.0.0.1:${ports.argocdRedis}`,
      '--loglevel',
      'info',
      '--logformat',
      'text',
    ],
    env: {
      ...commonEnv(paths, 'argocd-repo-server'),
      ARGOCD_GPG_DATA_PATH: paths.gpgData,
      ARGOCD_GNUPGHOME: paths.gnupgHome,
      ARGOCD_TLS_DATA_PATH: paths.tls,
      ARGOCD_SSH_DATA_PATH: paths.ssh,
      PATH: `${paths.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    },
    logFile: join(dir, 'logs', 'argocd-repo-server.log'),
    cwd: paths.root,
    probe: () => httpOk(`http://127.0.0.1:${ports.repoServerMetrics}/healthz`),
    readyTimeoutMs: 60_000,
  };
}

export function applicationControllerSpec(binary: string, dir: string, ports: Ports, kubeconfig: string, paths: ArgoPaths): ServiceSpec {
  return {
    part: 'argocd-application-controller',
    binary,
    args: [
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      ARGOCD_NAMESPACE,
      '--redis',
      `127.0.0.1:${ports.argocdRedis}`,
      '--repo-server',
      `127.0.0.1:${ports.repoServer}`,
      // Binds 0.0.0.0 (hard-coded in v3.6.1): a free port, used here only for /healthz.
      '--metrics-port',
      String(ports.controllerMetrics),
      // Enough workers that parallel test files never queue behind each other's Applications
      // (Argo CD's defaults, 20 and 10, are sized for hundreds of apps).
      '--status-processors',
      '8',
      '--operation-processors',
      '8',
      '--loglevel',
      'info',
      '--logformat',
      'text',
    ],
    env: {
      ...commonEnv(paths, 'argocd-application-controller'),
      // One controller owns every cluster. Unset, the shard is read from the hostname's last
      // `-N` (a StatefulSet pod's ordinal): a machine called `ci-runner-3` would own none.
      ARGOCD_CONTROLLER_REPLICAS: '1',
      ARGOCD_CONTROLLER_SHARD: '0',
    },
    logFile: join(dir, 'logs', 'argocd-application-controller.log'),
    cwd: paths.root,
    probe: () => httpOk(`http://127.0.0.1:${ports.controllerMetrics}/healthz`),
    readyTimeoutMs: 90_000,
  };
}
