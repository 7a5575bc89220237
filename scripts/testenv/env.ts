import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARTS, PINNED, type Part, type Settings } from './config.js';
import { buildTool, etcdTool, kubeApiserverTool, tofuTool } from './gobuild.js';
import { ARGOCD_NAMESPACE, fetchArgoCrds, setupCluster, writeKubeconfigs } from './kube-setup.js';
import { acquireLock } from './lock.js';
import { TestenvError, info, step } from './log.js';
import { ensurePki, type Pki } from './pki.js';
import { ensureCommand, freePort, isOurs, portIsFree, startDetached, stopPid, waitUntil, which } from './proc.js';
import { apiserverSpec, etcdSpec, redisSpec, type Ports, type ServiceSpec } from './services.js';
import { readState, writeEnvFile, writeState, type State } from './state.js';

interface Binaries {
  tofu: string;
  etcd: string;
  apiserver: string;
  redis: string;
}

function dirs(s: Settings): void {
  for (const d of ['logs', 'redis', 'etcd', 'kube', 'tofu']) mkdirSync(join(s.dir, d), { recursive: true });
}

/** Keeps last run's ports when they are still free (stable URLs across down/up), else new ones. */
async function choosePorts(state: State, dir: string): Promise<Ports> {
  const owner: Record<keyof Ports, Part> = { redis: 'redis', etcd: 'etcd', etcdPeer: 'etcd', apiserver: 'kube-apiserver' };
  const taken = new Set<number>();
  const out: Partial<Ports> = {};
  for (const key of Object.keys(owner) as (keyof Ports)[]) {
    const prev = state.ports[key];
    const proc = state.procs[owner[key]];
    const keep = prev !== undefined && !taken.has(prev) && ((proc && isOurs(proc.pid, dir)) || (await portIsFree(prev)));
    let port = keep ? prev : await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    out[key] = port;
  }
  return out as Ports;
}

function specFor(part: Part, s: Settings, ports: Ports, bins: Binaries, pki: Pki): ServiceSpec {
  switch (part) {
    case 'redis':
      return redisSpec(bins.redis, s.dir, ports);
    case 'etcd':
      return etcdSpec(bins.etcd, s.dir, ports);
    case 'kube-apiserver':
      return apiserverSpec(bins.apiserver, s.dir, ports, pki);
  }
}

/** Reuses a healthy process of ours running the same binary; otherwise (re)starts it. */
async function ensureRunning(spec: ServiceSpec, s: Settings, state: State, started: Part[]): Promise<string> {
  const prev = state.procs[spec.part];
  if (prev && isOurs(prev.pid, s.dir)) {
    if (prev.binary === spec.binary && (await spec.probe().catch(() => false))) return `already running, pid ${prev.pid}`;
    await stopPid(prev.pid);
  }
  delete state.procs[spec.part];
  const proc = startDetached(spec.binary, spec.args, spec.logFile, spec.cwd);
  started.push(spec.part);
  state.procs[spec.part] = { pid: proc.pid, binary: spec.binary };
  writeState(s.dir, state);
  await waitUntil(spec.part, spec.probe, { timeoutMs: spec.readyTimeoutMs, started: proc, logFile: spec.logFile });
  return `started, pid ${proc.pid}`;
}

function envVars(s: Settings, state: State, ports: Ports, bins: Binaries, kubeconfigs: { admin: string; opsbot: string }, pki: Pki): Record<string, string> {
  const pid = (p: Part) => String(state.procs[p]?.pid ?? '');
  return {
    TESTENV_DIR: s.dir,
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    REDIS_PID: pid('redis'),
    TF_BINARY: bins.tofu,
    TF_CLI_CONFIG_FILE: join(s.dir, 'tofu', 'cli.tfrc'),
    TOFU_VERSION: s.versions.tofu,
    ETCD_ENDPOINT: `http://127.0.0.1:${ports.etcd}`,
    ETCD_PID: pid('etcd'),
    ETCD_VERSION: s.versions.etcd,
    KUBE_APISERVER_URL: `https://127.0.0.1:${ports.apiserver}`,
    KUBE_APISERVER_PID: pid('kube-apiserver'),
    KUBE_VERSION: s.versions.kubeApiserver,
    KUBE_CA_FILE: pki.caCert,
    KUBECONFIG: kubeconfigs.admin,
    OPSBOT_KUBECONFIG: kubeconfigs.opsbot,
    ARGOCD_VERSION: s.versions.argocd,
    ARGOCD_NAMESPACE,
  };
}

async function buildAll(s: Settings): Promise<Omit<Binaries, 'redis'>> {
  if (!which('go')) throw new TestenvError('go', 'the `go` command is not on PATH: install Go 1.26 (https://go.dev/dl/)');
  const note = (b: { path: string; cached: boolean }) => (b.cached ? `cached ${b.path}` : `built ${b.path}`);
  const v = s.versions;
  // tofu first: other work waits on its cached path.
  const tofu = await step(`tofu ${v.tofu}`, () => buildTool(tofuTool(v.tofu, PINNED.tofu), s.binDir), note);
  const etcd = await step(`etcd ${v.etcd}`, () => buildTool(etcdTool(v.etcd, PINNED.etcd), s.binDir), note);
  const apiserver = await step(`kube-apiserver ${v.kubeApiserver}`, () => buildTool(kubeApiserverTool(v.kubeApiserver, PINNED.kubeApiserver), s.binDir), note);
  return { tofu: tofu.path, etcd: etcd.path, apiserver: apiserver.path };
}

/** Everything that can fail without starting a process happens first, so a failure leaves nothing running. */
export async function up(s: Settings): Promise<string> {
  mkdirSync(s.dir, { recursive: true });
  const release = acquireLock(s.dir);
  const started: Part[] = [];
  const state = readState(s.dir);
  try {
    dirs(s);
    const built = await buildAll(s);
    const redis = await step('redis-server', () => ensureCommand('redis-server', 'redis-server'), (p) => p);
    const openssl = await step('openssl', () => ensureCommand('openssl', 'openssl'), (p) => p);
    const bins: Binaries = { ...built, redis };
    const crds = await step(`Argo CD ${s.versions.argocd} CRDs`, () => fetchArgoCrds(s.versions.argocd), (c) => c.application.replace(/\/manifests.*/, ''));
    const pki = await step('certificates, service-account keys, tokens', () => ensurePki(s.dir, openssl));
    const cliConfig = join(s.dir, 'tofu', 'cli.tfrc');
    // The machine's TF_CLI_CONFIG_FILE points at a missing file; tofu warns on every command
    // unless it is given one that exists. No settings needed: terraform_data is built in.
    if (!existsSync(cliConfig)) writeFileSync(cliConfig, '# OpenTofu CLI configuration for the opsbot test environment (intentionally empty).\n');

    const ports = await choosePorts(state, s.dir);
    state.ports = ports;
    for (const part of PARTS) {
      const spec = specFor(part, s, ports, bins, pki);
      await step(`${part} on 127.0.0.1:${part === 'redis' ? ports.redis : part === 'etcd' ? ports.etcd : ports.apiserver}`,
        () => ensureRunning(spec, s, state, started), (r) => r);
    }
    const kubeconfigs = writeKubeconfigs(s.dir, ports.apiserver, pki);
    await step('Argo CD CRDs (Established), namespace argocd, AppProject default, opsbot RBAC', () => setupCluster(ports.apiserver, pki, crds));
    writeState(s.dir, state);
    return writeEnvFile(s.dir, envVars(s, state, ports, bins, kubeconfigs, pki));
  } catch (err) {
    for (const part of [...started].reverse()) {
      const p = state.procs[part];
      if (p) {
        info(`stopping ${part} (pid ${p.pid}) started by this failed run`);
        await stopPid(p.pid);
      }
      delete state.procs[part];
    }
    writeState(s.dir, state);
    throw err;
  } finally {
    release();
  }
}

/** Stops what `up` started, by the pids it recorded; does nothing, successfully, when nothing runs. */
export async function down(s: Settings): Promise<void> {
  if (!existsSync(s.dir)) {
    info(`nothing to stop: ${s.dir} does not exist`);
    return;
  }
  const release = acquireLock(s.dir);
  try {
    const state = readState(s.dir);
    for (const part of [...PARTS].reverse()) {
      const p = state.procs[part];
      if (!p) continue;
      if (!isOurs(p.pid, s.dir)) {
        info(`${part}: pid ${p.pid} is not running (or not ours): nothing to stop`);
      } else {
        await step(`stop ${part} (pid ${p.pid})`, () => stopPid(p.pid));
      }
      delete state.procs[part];
    }
    writeState(s.dir, state);
    // A fresh cluster on the next `up`; certificates and tokens are kept.
    rmSync(join(s.dir, 'etcd', 'data'), { recursive: true, force: true });
    rmSync(join(s.dir, 'env'), { force: true });
  } finally {
    release();
  }
}

/** Stops (if running) and starts one part again on the same port and data: for fault tests. */
export async function restart(s: Settings, part: Part): Promise<string> {
  const release = acquireLock(s.dir);
  try {
    const state = readState(s.dir);
    const { redis, etcd, etcdPeer, apiserver } = state.ports;
    const envFile = join(s.dir, 'env');
    if (!redis || !etcd || !etcdPeer || !apiserver || !existsSync(envFile)) {
      throw new TestenvError(part, `no test environment in ${s.dir}: run \`npm run testenv\` first`);
    }
    const ports: Ports = { redis, etcd, etcdPeer, apiserver };
    const pki = await ensurePki(s.dir, which('openssl') ?? 'openssl');
    const bins: Binaries = {
      redis: which('redis-server') ?? 'redis-server',
      etcd: join(s.binDir, `etcd-${s.versions.etcd}`),
      apiserver: join(s.binDir, `kube-apiserver-${s.versions.kubeApiserver}`),
      tofu: join(s.binDir, `tofu-${s.versions.tofu}`),
    };
    const prev = state.procs[part];
    if (prev && isOurs(prev.pid, s.dir)) await step(`stop ${part} (pid ${prev.pid})`, () => stopPid(prev.pid));
    delete state.procs[part];
    const spec = specFor(part, s, ports, bins, pki);
    const started: Part[] = [];
    await step(`start ${part}`, () => ensureRunning(spec, s, state, started), (r) => r);
    writeState(s.dir, state);
    const kubeconfigs = { admin: join(s.dir, 'kube', 'admin.kubeconfig'), opsbot: join(s.dir, 'kube', 'opsbot.kubeconfig') };
    return writeEnvFile(s.dir, envVars(s, state, ports, bins, kubeconfigs, pki));
  } finally {
    release();
  }
}
