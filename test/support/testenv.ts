/**
 * How tests find the real parts started by `npm run testenv` (scripts/testenv.ts): Redis,
 * OpenTofu, a kube-apiserver with Argo CD's CRDs, the GitOps loop (Argo CD's controller and
 * repo-server, kube-controller-manager, kube-scheduler, kwok) and an OCI registry. Suites skip,
 * with the reason in their title, when a part is not there: they never pass silently.
 *
 *   const env = testenv();
 *   describe.skipIf(!env.kube.available)(titled('argocd watcher', env.kube), () => { … });
 *
 * Without `.testenv/env` (or with OPSBOT_TESTENV_USE_PROCESS_ENV=1) the parts come from the
 * process environment instead — REDIS_URL, KUBECONFIG, OPSBOT_KUBECONFIG, TF_BINARY — so the same
 * tests run against a kind/k3d cluster and a real `terraform`. See docs/testenv.md.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';

export interface PartStatus {
  available: boolean;
  /** Why the part is unavailable: shown in the skipped suite's title. */
  reason?: string;
  /** The variables this part's tests need (pass them to spawned processes as they are). */
  env: Record<string, string>;
}

export interface Testenv {
  /** The env file read, or `process.env` when running against the caller's own cluster. */
  source: string;
  redis: PartStatus;
  tofu: PartStatus;
  kube: PartStatus;
  /** Argo CD syncing into the kube-apiserver, pods run by kwok (see test/support/argocd-app.ts). */
  argocd: PartStatus;
  /** The OCI registry (TLS, basic auth) and `crane`. */
  registry: PartStatus;
  /** The registry, plus `cosign` to sign images in it (COSIGN: the env file's, or the process's own to override it). */
  cosign: PartStatus;
  /** Everything in the env file (pids, ports, versions). */
  all: Record<string, string>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function defaultEnvFile(): string {
  if (process.env.OPSBOT_TESTENV_FILE) return resolve(process.env.OPSBOT_TESTENV_FILE);
  return join(resolve(process.env.OPSBOT_TESTENV_DIR || join(REPO_ROOT, '.testenv')), 'env');
}

/** Shell `KEY=value` lines as scripts/testenv.ts writes them (single quotes when needed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m?.[1]) continue;
    let v = m[2] ?? '';
    if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) v = v.slice(1, -1).replace(/'\\''/g, "'");
    out[m[1]] = v;
  }
  return out;
}

/** Running and not a zombie (a process killed by a test may linger as one until reaped). */
export function processRunning(pid: number | string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function pidAlive(pid: string | undefined): boolean {
  if (!pid) return true; // no pid: a part we did not start (the caller's own cluster)
  return processRunning(pid);
}

function executable(nameOrPath: string): string | undefined {
  const candidates = isAbsolute(nameOrPath) ? [nameOrPath] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, nameOrPath));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

const ok = (env: Record<string, string>): PartStatus => ({ available: true, env });
const no = (reason: string, env: Record<string, string> = {}): PartStatus => ({ available: false, reason, env });

function redisPart(e: Record<string, string>, hint: string): PartStatus {
  if (!e.REDIS_URL) return no(`REDIS_URL is not set (${hint})`);
  if (!pidAlive(e.REDIS_PID)) return no(`redis-server pid ${e.REDIS_PID} is not running (${hint})`);
  return ok({ REDIS_URL: e.REDIS_URL });
}

function tofuPart(e: Record<string, string>, hint: string): PartStatus {
  if (!e.TF_BINARY) return no(`TF_BINARY is not set (${hint})`);
  const bin = executable(e.TF_BINARY);
  if (!bin) return no(`TF_BINARY ${e.TF_BINARY} is not an executable (${hint})`);
  // A CLI config that does not exist makes every command warn (these machines export one):
  // /dev/null is a valid, empty configuration.
  const cfg = e.TF_CLI_CONFIG_FILE && existsSync(e.TF_CLI_CONFIG_FILE) ? e.TF_CLI_CONFIG_FILE : '/dev/null';
  return ok({ TF_BINARY: bin, TF_CLI_CONFIG_FILE: cfg, TF_IN_AUTOMATION: '1' });
}

function kubePart(e: Record<string, string>, hint: string): PartStatus {
  if (!e.KUBECONFIG) return no(`KUBECONFIG is not set (${hint})`);
  if (!existsSync(e.KUBECONFIG)) return no(`KUBECONFIG ${e.KUBECONFIG} does not exist (${hint})`);
  if (!pidAlive(e.ETCD_PID)) return no(`etcd pid ${e.ETCD_PID} is not running (${hint})`);
  if (!pidAlive(e.KUBE_APISERVER_PID)) return no(`kube-apiserver pid ${e.KUBE_APISERVER_PID} is not running (${hint})`);
  // OPSBOT_KUBECONFIG is never defaulted to the admin one: RBAC tests must not pass by
  // running with system:masters. Without it, suites that need it skip.
  const env: Record<string, string> = { KUBECONFIG: e.KUBECONFIG };
  for (const k of ['OPSBOT_KUBECONFIG', 'KUBE_APISERVER_URL', 'ETCD_ENDPOINT', 'ARGOCD_NAMESPACE', 'KUBE_CA_FILE']) if (e[k]) env[k] = e[k];
  env.ARGOCD_NAMESPACE ??= 'argocd';
  return ok(env);
}

/**
 * The GitOps loop. Only `npm run testenv` provides it: the suites' Applications sync from
 * file:// repositories on this machine, which an Argo CD in another cluster cannot read.
 */
function argocdPart(e: Record<string, string>, hint: string, kube: PartStatus, fromProcess: boolean): PartStatus {
  if (fromProcess)
    return no("needs Argo CD's repo-server on this machine (Applications sync from file:// repositories): only `npm run testenv` provides it");
  if (!kube.available) return no(kube.reason ?? 'kube-apiserver unavailable');
  if (!e.ARGOCD_CLUSTER_SERVER) return no(`ARGOCD_CLUSTER_SERVER is not set: an environment without the GitOps loop (${hint})`);
  const pids: [string, string][] = [
    ['KUBE_CONTROLLER_MANAGER_PID', 'kube-controller-manager'],
    ['KUBE_SCHEDULER_PID', 'kube-scheduler'],
    ['KWOK_PID', 'kwok'],
    ['ARGOCD_REDIS_PID', "Argo CD's redis-server"],
    ['ARGOCD_REPO_SERVER_PID', 'argocd-repo-server'],
    ['ARGOCD_APPLICATION_CONTROLLER_PID', 'argocd-application-controller'],
  ];
  for (const [key, what] of pids) if (!e[key] || !pidAlive(e[key])) return no(`${what} pid ${e[key] ?? '(none)'} is not running (${hint})`);
  const env: Record<string, string> = { ...kube.env };
  for (const k of ['ARGOCD_CLUSTER_SERVER', 'ARGOCD_CLUSTER_NAME', 'ARGOCD_VERSION', 'KWOK_NODE', 'GITOPS_REPO', 'GITOPS_REPO_URL', 'GITOPS_BRANCH'])
    if (e[k]) env[k] = e[k];
  return ok(env);
}

function registryPart(e: Record<string, string>, hint: string): PartStatus {
  for (const k of ['REGISTRY_URL', 'REGISTRY_USER', 'REGISTRY_PASSWORD', 'REGISTRY_CA', 'CRANE']) if (!e[k]) return no(`${k} is not set (${hint})`);
  if (!existsSync(e.REGISTRY_CA ?? '')) return no(`REGISTRY_CA ${e.REGISTRY_CA} does not exist (${hint})`);
  const crane = executable(e.CRANE ?? '');
  if (!crane) return no(`CRANE ${e.CRANE} is not an executable (${hint})`);
  if (!pidAlive(e.REGISTRY_PID)) return no(`registry pid ${e.REGISTRY_PID} is not running (${hint})`);
  return ok({
    REGISTRY_URL: e.REGISTRY_URL ?? '',
    REGISTRY_USER: e.REGISTRY_USER ?? '',
    REGISTRY_PASSWORD: e.REGISTRY_PASSWORD ?? '',
    REGISTRY_CA: e.REGISTRY_CA ?? '',
    CRANE: crane,
  });
}

function cosignPart(e: Record<string, string>, hint: string, registry: PartStatus): PartStatus {
  if (!registry.available) return no(registry.reason ?? 'the registry is unavailable');
  const wanted = process.env.COSIGN || e.COSIGN;
  if (!wanted) return no(`COSIGN is not set: an environment built before cosign was added, or set COSIGN to a cosign binary (${hint})`);
  const cosign = executable(wanted);
  if (!cosign) return no(`COSIGN ${wanted} is not an executable (${hint})`);
  return ok({ ...registry.env, COSIGN: cosign });
}

function parts(source: string, e: Record<string, string>, hint: string, all: Record<string, string>): Testenv {
  const kube = kubePart(e, hint);
  const registry = registryPart(e, hint);
  const fromProcess = source === 'process.env';
  return {
    source,
    redis: redisPart(e, hint),
    tofu: tofuPart(e, hint),
    kube,
    argocd: argocdPart(e, hint, kube, fromProcess),
    registry,
    cosign: cosignPart(e, hint, registry),
    all,
  };
}

/** Reads an env file (no caching): for tests that bring up a private environment. */
export function loadTestenv(file = defaultEnvFile()): Testenv {
  const fromProcess = process.env.OPSBOT_TESTENV_USE_PROCESS_ENV === '1' || !existsSync(file);
  if (fromProcess) {
    const e = Object.fromEntries(Object.entries(process.env).filter((kv): kv is [string, string] => kv[1] !== undefined));
    return parts('process.env', e, `no ${file}: run \`npm run testenv\`, or export it for your own cluster/binary`, {});
  }
  const e = parseEnvFile(readFileSync(file, 'utf8'));
  return parts(file, e, `from ${file}: run \`npm run testenv\``, e);
}

let cached: Testenv | undefined;

/** The shared test environment, read once per test process. */
export function testenv(): Testenv {
  cached ??= loadTestenv();
  return cached;
}

/** A suite title that carries the skip reason, so a skipped suite says why in the report. */
export function titled(name: string, part: PartStatus): string {
  return part.available ? name : `${name} [skipped: ${part.reason ?? 'unavailable'}]`;
}

/** Admin (system:masters) KubeConfig for setting the scene; opsbot itself uses `opsbotKubeConfig`. */
export function adminKubeConfig(env: Testenv = testenv()): KubeConfig {
  const path = env.kube.env.KUBECONFIG;
  if (!path) throw new Error(`kube part unavailable: ${env.kube.reason ?? 'no KUBECONFIG'}`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Whether the least-privilege kubeconfig is there (always, with `npm run testenv`). */
export function opsbotKube(env: Testenv = testenv()): PartStatus {
  if (!env.kube.available) return env.kube;
  if (!env.kube.env.OPSBOT_KUBECONFIG) return no('OPSBOT_KUBECONFIG is not set (a least-privilege kubeconfig; see docs/testenv.md)');
  return env.kube;
}

/** The least-privilege kubeconfig: applications get/list/watch/patch, pods get/list/watch. */
export function opsbotKubeConfig(env: Testenv = testenv()): KubeConfig {
  const path = env.kube.env.OPSBOT_KUBECONFIG;
  if (!path) throw new Error(`no least-privilege kubeconfig: ${opsbotKube(env).reason ?? 'OPSBOT_KUBECONFIG is not set'}`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const ARGO = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' } as const;

export interface ApplicationObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/**
 * Creates an Argo CD Application (spec as given; `project` defaults to `default`) whose status
 * a test writes by hand. Create it in a namespace of the test's own: Argo CD's controller
 * handles the Applications of ARGOCD_NAMESPACE only, and would overwrite a hand-written status
 * there. For an Application Argo CD really syncs, see test/support/argocd-app.ts.
 */
export async function createApplication(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
): Promise<ApplicationObject> {
  const body = {
    apiVersion: `${ARGO.group}/${ARGO.version}`,
    kind: 'Application',
    metadata: { name, namespace },
    spec: {
      project: 'default',
      source: { repoURL: 'https://example.invalid/gitops.git', path: `apps/${name}`, targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: name },
      ...spec,
    },
  };
  const api = kc.makeApiClient(CustomObjectsApi);
  return (await api.createNamespacedCustomObject({ ...ARGO, namespace, body })) as ApplicationObject;
}

/**
 * Sets an Application's status the way Argo CD's application controller does: Argo CD's CRD
 * has no status subresource, so it is a JSON merge patch on the Application object itself.
 */
export async function patchApplicationStatus(
  kc: KubeConfig,
  namespace: string,
  name: string,
  status: Record<string, unknown>,
): Promise<ApplicationObject> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return (await api.patchNamespacedCustomObject({ ...ARGO, namespace, name, body: { status } }, mergePatch())) as ApplicationObject;
}

/** Sets (or, with null, removes) annotations on an Application: a merge patch of its metadata. */
export async function annotateApplication(
  kc: KubeConfig,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
): Promise<ApplicationObject> {
  const api = kc.makeApiClient(CustomObjectsApi);
  return (await api.patchNamespacedCustomObject(
    { ...ARGO, namespace, name, body: { metadata: { annotations } } },
    mergePatch(),
  )) as ApplicationObject;
}

/**
 * A scheduler name no scheduler answers to: the test environment's kube-scheduler would put the
 * pod on kwok's node and kwok would then write its status. A scene pod stays unscheduled, so
 * the status a test writes is the only one it ever has.
 */
export const UNSCHEDULED = 'opsbot-test-unscheduled';

/**
 * Creates a Pod that nothing runs: it stays Pending until `writePodStatus` says otherwise. For
 * pods that run, create a Deployment through Argo CD (test/support/argocd-app.ts).
 */
export async function createPod(
  kc: KubeConfig,
  namespace: string,
  name: string,
  opts: { labels?: Record<string, string>; image?: string } = {},
): Promise<V1Pod> {
  const api = kc.makeApiClient(CoreV1Api);
  return api.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, namespace, labels: opts.labels },
      spec: { schedulerName: UNSCHEDULED, containers: [{ name: 'app', image: opts.image ?? 'registry.example.invalid/app:1.0.0' }] },
    },
  });
}

/** Writes a Pod's status subresource (merge patch), as a kubelet would report it. */
export async function writePodStatus(kc: KubeConfig, namespace: string, name: string, status: V1PodStatus): Promise<V1Pod> {
  const api = kc.makeApiClient(CoreV1Api);
  return api.patchNamespacedPodStatus({ namespace, name, body: { status } }, mergePatch());
}
