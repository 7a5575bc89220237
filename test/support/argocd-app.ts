/**
 * An Application that Argo CD really syncs, isolated per test: its own bare GitOps repository
 * (file://, seeded with the given manifests), its own destination namespace, unique names — so
 * parallel test files never share an Application, a repository or a namespace. Everything in
 * its status is written by Argo CD's controller; pods are run by kwok.
 *
 *   const app = await createIsolatedApplication({ files: { 'deploy.yaml': deployment({ name: 'web', image: 'ghcr.io/x/web:1.0.0' }) } });
 *   await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status?.health?.status === 'Healthy');
 *   await app.delete();
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createBareRepo, type BareRepo } from '../gitops/bare-repo.js';
import { ARGO, adminKubeConfig, testenv, type Testenv } from './testenv.js';

/** The parts of an Application's status that tests read (all written by Argo CD). */
export interface SyncedApplication {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } };
    conditions?: { type: string; message?: string }[];
    resources?: { kind: string; name: string; namespace?: string; status?: string; health?: { status?: string; message?: string } }[];
    reconciledAt?: string;
  };
}

export interface IsolatedApplication {
  /** The Application's name (in ARGOCD_NAMESPACE). */
  name: string;
  /** Where Argo CD's Applications live. */
  namespace: string;
  /** The namespace it deploys into: its own. */
  destination: string;
  repo: BareRepo;
  repoURL: string;
  /** The sha of the branch head Argo CD should sync. */
  head(): Promise<string>;
  /** Commits files on top (as someone else would) and returns the new head. */
  commit(files: Record<string, string>, message: string): Promise<string>;
  /** Asks Argo CD to look now, as `argocd app get --refresh` does (annotation argocd.argoproj.io/refresh). */
  refresh(): Promise<void>;
  get(): Promise<SyncedApplication>;
  /** Polls the Application until `done` holds; the error says what it last saw. */
  waitFor(what: string, done: (app: SyncedApplication) => boolean, timeoutMs?: number): Promise<SyncedApplication>;
  delete(): Promise<void>;
}

const merge = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function summary(app: SyncedApplication | undefined): string {
  const st = app?.status;
  if (!st) return 'no status yet';
  const cond = (st.conditions ?? []).map((c) => `${c.type}: ${c.message ?? ''}`).join('; ');
  return (
    `sync ${st.sync?.status ?? '?'} at ${st.sync?.revision?.slice(0, 7) ?? '?'}, health ${st.health?.status ?? '?'}${st.health?.message ? ` (${st.health.message})` : ''}` +
    `, operation ${st.operationState?.phase ?? '-'}${cond ? `, conditions: ${cond}` : ''}`
  );
}

export async function createIsolatedApplication(opts: {
  files: Record<string, string>;
  prefix?: string;
  env?: Testenv;
  kc?: KubeConfig;
  /**
   * `spec.syncPolicy.retry`. Argo CD 3.x retries a failed automated sync 5 times by default,
   * with backoff (5 s doubling): the operation stays Running between attempts, Failed only after.
   */
  retry?: { limit: number; backoff?: { duration: string; factor: number; maxDuration: string } };
  /** Another Application's repository (its `files` are then ignored): several Applications of one repository. */
  repo?: BareRepo;
  /** The directory of the repository the Application syncs (default: all of it). */
  path?: string;
  /** Annotations of the Application (argocd-image-updater's, for apps declared there). */
  annotations?: Record<string, string>;
  /** `spec.source.directory` (plain manifests, e.g. `{ recurse: true }` as the reference organisation writes it). */
  directory?: { recurse: boolean };
}): Promise<IsolatedApplication> {
  const env = opts.env ?? testenv();
  if (!env.argocd.available) throw new Error(`the GitOps loop is unavailable: ${env.argocd.reason ?? ''}`);
  const kc = opts.kc ?? adminKubeConfig(env);
  const ns = env.argocd.env.ARGOCD_NAMESPACE ?? 'argocd';
  const server = env.argocd.env.ARGOCD_CLUSTER_SERVER ?? '';
  const id = randomBytes(4).toString('hex');
  const name = `${opts.prefix ?? 'app'}-${id}`;
  const destination = `${opts.prefix ?? 'app'}-${id}`;
  const repo = opts.repo ?? (await createBareRepo(opts.files));
  const repoURL = `file://${repo.bare}`;
  const objects = kc.makeApiClient(CustomObjectsApi);
  await objects.createNamespacedCustomObject({
    ...ARGO,
    namespace: ns,
    body: {
      apiVersion: `${ARGO.group}/${ARGO.version}`,
      kind: 'Application',
      metadata: { name, namespace: ns, labels: { 'opsbot.test/isolated': 'true' }, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
      spec: {
        project: 'default',
        source: { repoURL, targetRevision: 'main', path: opts.path ?? '.', ...(opts.directory ? { directory: opts.directory } : {}) },
        destination: { server, namespace: destination },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true'],
          ...(opts.retry ? { retry: opts.retry } : {}),
        },
      },
    },
  });
  const get = async () => (await objects.getNamespacedCustomObject({ ...ARGO, namespace: ns, name })) as SyncedApplication;
  return {
    name,
    namespace: ns,
    destination,
    repo,
    repoURL,
    head: async () => (await repo.log('main'))[0]?.split(' ')[0] ?? '',
    commit: (files, message) => repo.commitAsOther(files, message),
    refresh: async () => {
      await objects.patchNamespacedCustomObject(
        { ...ARGO, namespace: ns, name, body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } } },
        merge(),
      );
    },
    get,
    async waitFor(what, done, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: SyncedApplication | undefined;
      for (;;) {
        last = await get();
        if (done(last)) return last;
        if (Date.now() > deadline) throw new Error(`Application ${name}: not ${what} after ${timeoutMs / 1000}s: ${summary(last)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async delete() {
      // No resources finalizer: deleting the namespace removes what Argo CD applied.
      await objects.deleteNamespacedCustomObject({ ...ARGO, namespace: ns, name }).catch(() => undefined);
      await kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: destination })
        .catch(() => undefined);
      // A shared repository is its creator's to remove.
      if (!opts.repo) await repo.cleanup();
    },
  };
}

/** A plain Deployment manifest (no namespace: Argo CD puts it in the destination namespace). */
export function deployment(opts: { name: string; image: string; replicas?: number; progressDeadlineSeconds?: number }): string {
  const labels = { 'app.kubernetes.io/name': opts.name };
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name, labels },
    spec: {
      replicas: opts.replicas ?? 1,
      ...(opts.progressDeadlineSeconds ? { progressDeadlineSeconds: opts.progressDeadlineSeconds } : {}),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: opts.name, image: opts.image }] } },
    },
  });
}

/**
 * opsbot's config for one isolated Application holding a `web.yaml` Deployment: the app `web`
 * with its `staging` environment on that Application; `more` is appended (other sections), and
 * `environments` adds entries under `web.environments`.
 */
export function webAppConfig(app: Pick<IsolatedApplication, 'name' | 'namespace' | 'repo'>, more = '', environments: string[] = []): string {
  const envs = [`staging: { kind: manifest, path: web.yaml, container: web, application: ${app.name} }`, ...environments]
    .map((e) => `      ${e}`)
    .join('\n');
  return `
gitops: { url: ${app.repo.bare} }
argocd: { namespaces: [${app.namespace}] }
apps:
  web:
    image: ghcr.io/example/web
    environments:
${envs}
${more}`;
}

/** A Deployment the kube-apiserver refuses at apply (a container name must be a DNS-1123 label): Argo CD's sync of it fails. */
export function refusedDeployment(name: string): string {
  const labels = { 'app.kubernetes.io/name': name };
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'Not_A_Label', image: 'ghcr.io/example/refused:1.0.0' }] } },
    },
  });
}
