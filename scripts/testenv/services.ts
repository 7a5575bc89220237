import { connect } from 'node:net';
import { join } from 'node:path';
import type { Part } from './config.js';
import { apiRequest } from './kube-api.js';
import type { Pki } from './pki.js';

/** Every port the environment listens on, all on 127.0.0.1 (but see controllerMetrics). */
export interface Ports {
  redis: number;
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  argocdRedis: number;
  repoServer: number;
  repoServerMetrics: number;
  /** Argo CD's controller binds its metrics server to 0.0.0.0 (hard-coded in v3.6.1). */
  controllerMetrics: number;
  registry: number;
}

/** Which part listens on each port: a port is kept across runs while its part still runs. */
export const PORT_OWNER: Record<keyof Ports, Part> = {
  redis: 'redis',
  etcd: 'etcd',
  etcdPeer: 'etcd',
  apiserver: 'kube-apiserver',
  controllerManager: 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  kwok: 'kwok',
  argocdRedis: 'argocd-redis',
  repoServer: 'argocd-repo-server',
  repoServerMetrics: 'argocd-repo-server',
  controllerMetrics: 'argocd-application-controller',
  registry: 'registry',
};

export interface ServiceSpec {
  part: Part;
  binary: string;
  args: string[];
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Files it reads its configuration from at start: a change to them restarts it on `up`. */
  configFiles?: string[];
  logFile: string;
  /** Inside the state directory: part of how `isOurs` recognises the process later. */
  cwd: string;
  /** True once the server answers a real request. */
  probe: () => Promise<boolean>;
  readyTimeoutMs: number;
}

/** Redis answers PING with +PONG; a raw socket avoids a client's reconnect noise while polling. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

async function etcdHealthy(port: number): Promise<boolean> {
  const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) return false;
  const body = (await r.json()) as { health?: string };
  return body.health === 'true';
}

/** The tests' Redis (`redis`) and Argo CD's own cache (`argocd-redis`): one spec, two instances. */
export function redisSpec(binary: string, dir: string, port: number, part: 'redis' | 'argocd-redis' = 'redis'): ServiceSpec {
  return {
    part,
    binary,
    // No persistence: test data is throw-away, and fsync on a 2-core CI box is slow.
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      join(dir, part),
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    logFile: join(dir, 'logs', `${part}.log`),
    cwd: join(dir, part),
    probe: () => redisPing(port),
    readyTimeoutMs: 15_000,
  };
}

export function etcdSpec(binary: string, dir: string, ports: Ports): ServiceSpec {
  const client = `http://127.0.0.1:${ports.etcd}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    part: 'etcd',
    binary,
    args: [
      '--name',
      'testenv',
      '--data-dir',
      join(dir, 'etcd', 'data'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `testenv=${peer}`,
      // Single throw-away member: durability buys nothing here and fsync dominates latency.
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
      '--quota-backend-bytes',
      String(2 * 1024 ** 3),
    ],
    logFile: join(dir, 'logs', 'etcd.log'),
    cwd: join(dir, 'etcd'),
    probe: () => etcdHealthy(ports.etcd),
    readyTimeoutMs: 30_000,
  };
}

export function apiserverSpec(binary: string, dir: string, ports: Ports, pki: Pki): ServiceSpec {
  return {
    part: 'kube-apiserver',
    binary,
    // envtest's flags, plus a token file: no kubelet, no controller-manager, so the
    // ServiceAccount admission plugin (which waits for a default SA nobody creates) is off.
    args: [
      '--etcd-servers',
      `http://127.0.0.1:${ports.etcd}`,
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--secure-port',
      String(ports.apiserver),
      '--cert-dir',
      join(dir, 'kube', 'certs'),
      '--tls-cert-file',
      pki.servingCert,
      '--tls-private-key-file',
      pki.servingKey,
      '--service-cluster-ip-range',
      '10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode',
      'RBAC',
      '--token-auth-file',
      pki.tokenFile,
      '--service-account-issuer',
      `https://127.0.0.1:${ports.apiserver}`,
      '--service-account-key-file',
      pki.saPub,
      '--service-account-signing-key-file',
      pki.saKey,
      '--disable-admission-plugins',
      'ServiceAccount',
      '--profiling=false',
      '--v',
      '1',
    ],
    logFile: join(dir, 'logs', 'kube-apiserver.log'),
    cwd: join(dir, 'kube'),
    probe: async () => (await apiRequest(ports.apiserver, pki, 'GET', '/readyz')).status === 200,
    readyTimeoutMs: 90_000,
  };
}
