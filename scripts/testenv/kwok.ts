/**
 * kwok: the kubelet of one fake Node. It moves the pods the scheduler puts on that node
 * through Stages — the ones its release ships (ready, complete, delete; node initialise and
 * heartbeat with a Lease) plus ours for failures (kwok-stages.yaml).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Apply } from './kube-setup.js';
import { apiRequest } from './kube-api.js';
import { KWOK_MODULE, moduleDir } from './modules.js';
import type { Pki } from './pki.js';
import type { ServiceSpec } from './services.js';
import { writeAtomic } from './state.js';

export const KWOK_NODE = 'kwok-node-0';
/** kwok manages only Nodes carrying this annotation (never a real one by mistake). */
const MANAGED = { key: 'kwok.x-k8s.io/node', value: 'fake' };

/** The Stage files of kwok's release used here, under its module's kustomize/stage/. */
const SHIPPED_STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

const OUR_STAGES = join(dirname(fileURLToPath(import.meta.url)), 'kwok-stages.yaml');

/** Writes `<dir>/kwok/stages.yaml`: the shipped Stages as they are, then ours. */
export async function writeKwokStages(dir: string, version: string): Promise<string> {
  const mod = await moduleDir('kwok-stages', KWOK_MODULE, version);
  const docs = SHIPPED_STAGES.map(
    (f) => `# ${KWOK_MODULE}@${version} kustomize/stage/${f}\n${readFileSync(join(mod, 'kustomize', 'stage', f), 'utf8').trim()}\n`,
  );
  docs.push(`# scripts/testenv/kwok-stages.yaml\n${readFileSync(OUR_STAGES, 'utf8').trim()}\n`);
  mkdirSync(join(dir, 'kwok'), { recursive: true });
  const path = join(dir, 'kwok', 'stages.yaml');
  writeAtomic(path, docs.join('---\n'));
  return path;
}

/** The fake Node: no taints, so the example apps' pods land on it without tolerations. */
export async function applyKwokNode(apply: Apply): Promise<void> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: KWOK_NODE,
      annotations: { [MANAGED.key]: MANAGED.value },
      labels: { 'kubernetes.io/hostname': KWOK_NODE, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
  };
  await apply(`/api/v1/nodes/${KWOK_NODE}`, JSON.stringify(node));
}

async function nodeReady(port: number, pki: Pki): Promise<boolean> {
  const r = await apiRequest(port, pki, 'GET', `/api/v1/nodes/${KWOK_NODE}`);
  if (r.status !== 200) return false;
  const node = JSON.parse(r.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function kwokSpec(
  binary: string,
  dir: string,
  ports: { kwok: number; apiserver: number },
  kubeconfig: string,
  stages: string,
  pki: Pki,
): ServiceSpec {
  return {
    part: 'kwok',
    binary,
    args: [
      '--kubeconfig',
      kubeconfig,
      '--config',
      stages,
      '--manage-nodes-with-annotation-selector',
      `${MANAGED.key}=${MANAGED.value}`,
      '--server-address',
      `127.0.0.1:${ports.kwok}`,
      // Renew the node's Lease as a kubelet does. Without it (the default is off when Stages
      // come from --config) kube-controller-manager finds no heartbeat after 50 s, marks the
      // node NotReady and every pod on it Ready=False, and nothing marks them Ready again.
      '--node-lease-duration-seconds',
      '40',
      // Pod IPs apart from the apiserver's service range (10.0.0.0/24); nothing routes to them.
      '--node-ip',
      '127.0.0.1',
      '--cidr',
      '10.244.0.1/16',
    ],
    configFiles: [stages],
    logFile: join(dir, 'logs', 'kwok.log'),
    cwd: join(dir, 'kwok'),
    // Ready when it has initialised its node (the node-initialize Stage ran).
    probe: async () =>
      (await fetch(`http://127.0.0.1:${ports.kwok}/healthz`, { signal: AbortSignal.timeout(2000) })).ok && (await nodeReady(ports.apiserver, pki)),
    readyTimeoutMs: 60_000,
  };
}
