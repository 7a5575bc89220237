/**
 * kube-controller-manager and kube-scheduler: what turns a Deployment into a ReplicaSet and
 * pods, and puts the pods on kwok's node. Both serve /healthz on 127.0.0.1 (their own
 * self-signed certificate; /healthz is in their default always-allowed paths).
 */
import { request } from 'node:https';
import { join } from 'node:path';
import type { ServiceSpec } from './services.js';

/** GET https://127.0.0.1:<port><path> → 200. Loopback readiness only: the certificate is the server's own self-signed one. */
export function httpsOk(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function serving(dir: string, name: string, port: number, kubeconfig: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    // Delegated authentication/authorization for its own endpoint, as in a kubeadm cluster.
    '--authentication-kubeconfig',
    kubeconfig,
    '--authorization-kubeconfig',
    kubeconfig,
    '--bind-address',
    '127.0.0.1',
    '--secure-port',
    String(port),
    '--cert-dir',
    join(dir, 'kube', `${name}-certs`),
    // One instance of each: nothing to elect, and no Lease churn in etcd.
    '--leader-elect=false',
    '--v',
    '1',
  ];
}

export function controllerManagerSpec(binary: string, dir: string, port: number, kubeconfig: string): ServiceSpec {
  return {
    part: 'kube-controller-manager',
    binary,
    args: [
      ...serving(dir, 'kube-controller-manager', port, kubeconfig),
      // The token controller needs the service-account signing key and mints a Secret per
      // ServiceAccount; nothing here uses those tokens (clients authenticate with the token file).
      '--controllers',
      '*,-serviceaccount-token',
      // kwok renews its node's Lease every 10 s; on a loaded 2-core machine, or while a fault
      // test has the apiserver down, a renewal can come late. A node marked NotReady has its
      // pods set Ready=False, which kwok (unlike a kubelet) never reverts: so wait 5 minutes
      // (default 50 s) before calling the node dead.
      '--node-monitor-grace-period',
      '5m',
      '--cluster-name',
      'testenv',
    ],
    logFile: join(dir, 'logs', 'kube-controller-manager.log'),
    cwd: join(dir, 'kube'),
    probe: () => httpsOk(port, '/healthz'),
    readyTimeoutMs: 90_000,
  };
}

export function schedulerSpec(binary: string, dir: string, port: number, kubeconfig: string): ServiceSpec {
  return {
    part: 'kube-scheduler',
    binary,
    args: serving(dir, 'kube-scheduler', port, kubeconfig),
    logFile: join(dir, 'logs', 'kube-scheduler.log'),
    cwd: join(dir, 'kube'),
    probe: () => httpsOk(port, '/healthz'),
    readyTimeoutMs: 90_000,
  };
}
