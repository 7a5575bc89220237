import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { TestenvError, tail } from './log.js';
import { apiRequest } from './kube-api.js';
import { writeAtomic } from './state.js';
import { ADMIN_USER, OPSBOT_USER, type Pki } from './pki.js';

export const ARGOCD_NAMESPACE = 'argocd';
const FIELD_MANAGER = 'opsbot-testenv';

export interface Kubeconfigs {
  admin: string;
  opsbot: string;
}

function kubeconfig(server: string, caPem: Buffer, user: string, token: string, namespace: string): string {
  const name = 'opsbot-testenv';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': caPem.toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: `${user}@${name}`, context: { cluster: name, user, namespace } }],
    'current-context': `${user}@${name}`,
  });
}

/** Self-contained kubeconfigs (CA inline), so they can be copied or mounted elsewhere. */
export function writeKubeconfigs(dir: string, port: number, pki: Pki): Kubeconfigs {
  const server = `https://127.0.0.1:${port}`;
  const ca = readFileSync(pki.caCert);
  const k = { admin: join(dir, 'kube', 'admin.kubeconfig'), opsbot: join(dir, 'kube', 'opsbot.kubeconfig') };
  writeAtomic(k.admin, kubeconfig(server, ca, ADMIN_USER, pki.adminToken, 'default'), 0o600);
  writeAtomic(k.opsbot, kubeconfig(server, ca, OPSBOT_USER, pki.opsbotToken, ARGOCD_NAMESPACE), 0o600);
  return k;
}

export type Apply = (path: string, text: string) => Promise<void>;

/** Server-side apply as the environment's own field manager, forced: `up` converges on every run. */
export function applier(port: number, pki: Pki): Apply {
  return async (path, text) => {
    const sep = path.includes('?') ? '&' : '?';
    const r = await apiRequest(port, pki, 'PATCH', `${path}${sep}fieldManager=${FIELD_MANAGER}&force=true`, {
      text,
      contentType: 'application/apply-patch+yaml',
    });
    if (r.status >= 300) throw new TestenvError('kube-setup', `server-side apply ${path} → HTTP ${r.status}: ${tail(r.body, 5)}`);
  };
}

async function waitEstablished(port: number, pki: Pki, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await apiRequest(port, pki, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    if (r.status === 200) {
      const crd = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    }
    if (Date.now() > deadline) throw new TestenvError('kube-setup', `CRD ${name} not Established after 60s`);
    await sleep(200);
  }
}

/** Retries while a just-established CRD's REST endpoint still answers 404. */
export async function applyWithRetry(apply: Apply, path: string, text: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await apply(path, text);
    } catch (err) {
      if (Date.now() > deadline || !String(err).includes('HTTP 404')) throw err;
      await sleep(250);
    }
  }
}

/**
 * The opsbot user may read and patch Applications, read Pods, and read the workloads whose
 * selectors find an Application's pods (Deployments, StatefulSets, DaemonSets, and the
 * ReplicaSets that show a Deployment's rollout): nothing else. Named
 * `opsbot-testenv`, not `opsbot`: the example app `opsbot` (gitops/opsbot) that Argo CD syncs
 * here owns a ClusterRole and ClusterRoleBinding `opsbot` (for its ServiceAccount), and would
 * take these over.
 */
const RBAC_NAME = 'opsbot-testenv';

const OPSBOT_RBAC = {
  role: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: RBAC_NAME },
    rules: [
      { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list'] },
    ],
  },
  binding: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: RBAC_NAME },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RBAC_NAME },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPSBOT_USER }],
  },
};

/** Server-side apply is idempotent: running this on every `up` converges, and costs ~1 s. */
export async function setupCluster(port: number, pki: Pki, crds: { application: string; appproject: string }): Promise<void> {
  const apply = applier(port, pki);
  const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const names: string[] = [];
  for (const file of [crds.application, crds.appproject]) {
    const text = readFileSync(file, 'utf8');
    const name = (parse(text) as { metadata: { name: string } }).metadata.name;
    names.push(name);
    await apply(`${crdPath}/${name}`, text);
  }
  for (const n of names) await waitEstablished(port, pki, n);

  await apply(
    `/api/v1/namespaces/${ARGOCD_NAMESPACE}`,
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NAMESPACE } }),
  );
  // Argo CD's own default project: every Application refers to a project, `default` unless told.
  const project = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
    spec: { sourceRepos: ['*'], destinations: [{ namespace: '*', server: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
  };
  await applyWithRetry(apply, `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/appprojects/default`, JSON.stringify(project));
  await apply(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${RBAC_NAME}`, JSON.stringify(OPSBOT_RBAC.role));
  await apply(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${RBAC_NAME}`, JSON.stringify(OPSBOT_RBAC.binding));
}
