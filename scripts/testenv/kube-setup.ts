import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { TestenvError, tail } from './log.js';
import { apiRequest } from './kube-api.js';
import { writeAtomic } from './state.js';
import { ADMIN_USER, OPSBOT_USER, type Pki } from './pki.js';

export const ARGOCD_MODULE = 'github.com/argoproj/argo-cd/v3';
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

export interface ArgoCrds {
  application: string;
  appproject: string;
}

/**
 * Argo CD's CRDs exactly as the release ships them, from the module in the Go module cache
 * (downloaded through the proxy on first use): never hand-written, never committed.
 */
export async function fetchArgoCrds(version: string): Promise<ArgoCrds> {
  const args = ['mod', 'download', '-json', `${ARGOCD_MODULE}@${version}`];
  // Outside any module, so the wrapper modules' go.mod files play no part.
  const r = await execa('go', args, { cwd: tmpdir(), env: { GOWORK: 'off', GOFLAGS: '-mod=mod' }, stdin: 'ignore', reject: false });
  const out = (() => {
    try {
      return JSON.parse(r.stdout) as { Dir?: string; Error?: string };
    } catch {
      return {};
    }
  })();
  if (r.exitCode !== 0 || !out.Dir) {
    throw new TestenvError('argocd-crds', `\`go ${args.join(' ')}\` failed: ${out.Error ?? tail(`${r.stderr}\n${r.stdout}`)}`);
  }
  const crds = join(out.Dir, 'manifests', 'crds');
  return { application: join(crds, 'application-crd.yaml'), appproject: join(crds, 'appproject-crd.yaml') };
}

type Apply = (path: string, text: string) => Promise<void>;

function applier(port: number, pki: Pki): Apply {
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
async function applyWithRetry(apply: Apply, path: string, text: string): Promise<void> {
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

/** The opsbot user may read and patch Applications and read Pods: nothing else. */
const OPSBOT_RBAC = {
  role: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'opsbot' },
    rules: [
      { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ],
  },
  binding: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'opsbot' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'opsbot' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPSBOT_USER }],
  },
};

/** Server-side apply is idempotent: running this on every `up` converges, and costs ~1 s. */
export async function setupCluster(port: number, pki: Pki, crds: ArgoCrds): Promise<void> {
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

  await apply(`/api/v1/namespaces/${ARGOCD_NAMESPACE}`, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NAMESPACE } }));
  // Argo CD's own default project: every Application refers to a project, `default` unless told.
  const project = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
    spec: { sourceRepos: ['*'], destinations: [{ namespace: '*', server: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
  };
  await applyWithRetry(apply, `/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/appprojects/default`, JSON.stringify(project));
  await apply('/apis/rbac.authorization.k8s.io/v1/clusterroles/opsbot', JSON.stringify(OPSBOT_RBAC.role));
  await apply('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/opsbot', JSON.stringify(OPSBOT_RBAC.binding));
  await applyExampleApplications(apply);
}

/**
 * The example GitOps content's Argo CD Applications (`gitops/argocd/apps/`), so that the embedded
 * default pointed at this cluster (`set -a; . .testenv/env`) answers `/status web prod` and
 * follows a `/deploy` without editing any file. There is no Argo CD controller: their status is
 * whatever a test or a person writes.
 */
async function applyExampleApplications(apply: Apply): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'gitops', 'argocd', 'apps');
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const doc = parse(text) as { kind?: string; metadata?: { name?: string; namespace?: string } };
    if (doc.kind !== 'Application' || !doc.metadata?.name) continue;
    await applyWithRetry(apply, `/apis/argoproj.io/v1alpha1/namespaces/${doc.metadata.namespace ?? ARGOCD_NAMESPACE}/applications/${doc.metadata.name}`, text);
  }
}
