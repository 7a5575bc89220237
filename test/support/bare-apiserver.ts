/**
 * A second, real kube-apiserver without Argo CD: the test environment's binary, certificates
 * and etcd, under an etcd prefix of its own — so it is an empty cluster whose API does not serve
 * applications.argoproj.io, exactly as a cluster without Argo CD's CRDs answers. Its kubeconfig
 * is the admin's (the empty cluster has none of opsbot's RBAC): what the API answers for a kind
 * it does not serve is what is under test, not the permissions.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { apiserverSpec, type Ports } from '../../scripts/testenv/services.js';
import { ensurePki } from '../../scripts/testenv/pki.js';
import { tempDir } from './config.js';
import { freePort } from './ports.js';
import type { Testenv } from './testenv.js';

export interface BareApiserver {
  kubeconfig: string;
  stop(): Promise<void>;
}

function ready(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function startBareApiserver(env: Testenv): Promise<BareApiserver> {
  const stateDir = env.all.TESTENV_DIR!;
  const pki = await ensurePki(stateDir, 'openssl');
  const binary = readlinkSync(`/proc/${env.all.KUBE_APISERVER_PID}/exe`);
  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { ports: Ports };
  const dir = tempDir('opsbot-bare-apiserver-');
  for (const d of ['kube/certs', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  const port = await freePort();
  const spec = apiserverSpec(binary, dir, { ...state.ports, apiserver: port }, pki);
  // A fixed prefix: a second run reuses the same keys instead of adding a cluster's worth each time.
  const child = spawn(binary, [...spec.args, '--etcd-prefix', '/opsbot-test-no-argocd'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const ca = readFileSync(pki.caCert, 'utf8');
  for (let i = 0; !(await ready(port, ca)); i++) {
    if (i > 240 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the second kube-apiserver did not become ready on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: bare, cluster: { server: "https://127.0.0.1:${port}", certificate-authority: "${pki.caCert}" } }]
users: [{ name: admin, user: { token: "${pki.adminToken}" } }]
contexts: [{ name: bare, context: { cluster: bare, user: admin } }]
current-context: bare
`,
  );
  return {
    kubeconfig,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
