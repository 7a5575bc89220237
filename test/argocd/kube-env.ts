/**
 * What the Argo CD integration tests share: a namespace of their own on the real API server
 * (so parallel suites and other engineers' tests never see each other's Applications), the
 * least-privilege kubeconfig opsbot runs with, and a TCP proxy in front of the API server that
 * can cut every open connection — a real dropped watch, without restarting the shared server.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeConnection } from '../../src/argocd/kube.js';
import { adminKubeConfig, opsbotKubeConfig, testenv } from '../support/testenv.js';

export const env = testenv();

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function createNamespace(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name })
    .catch(() => undefined);
}

/** A copy of `kc` whose server is `server` (same CA, same credentials). */
export function withServer(kc: KubeConfig, server: string, token?: string): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error('kubeconfig has no current cluster/user');
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: [{ ...user, token: token ?? user.token }],
    contexts: [{ name: 'test', cluster: cluster.name, user: user.name }],
    currentContext: 'test',
  });
  return out;
}

export interface CutProxy {
  url: string;
  /** Destroy every open connection (the client sees the watch stream die mid-flight). */
  cut(): void;
  /** Refuse new connections until `resume` (connections opened meanwhile are destroyed at once). */
  hold(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startCutProxy(target: string): Promise<CutProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  let holding = false;
  const server: Server = createServer((client) => {
    if (holding) return client.destroy();
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no proxy address');
  return {
    url: `https://127.0.0.1:${addr.port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    hold: () => {
      holding = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume: () => {
      holding = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** opsbot's own (least-privilege) connection, optionally through a proxy. */
export function opsbotConnection(server?: string): KubeConnection {
  const kc = opsbotKubeConfig();
  return new KubeConnection(server ? withServer(kc, server) : kc, 'testenv opsbot kubeconfig');
}

export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
