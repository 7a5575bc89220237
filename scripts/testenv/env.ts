import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applicationControllerSpec, applyArgoConfig, argoPaths, prepareArgoDirs, repoServerSpec, type ArgoPaths } from './argocd.js';
import { PARTS, type Part, type Settings } from './config.js';
import { controllerManagerSpec, schedulerSpec } from './control-plane.js';
import { buildTool, runLimited } from './gobuild.js';
import { applyExampleApplications, gitopsRepo, seedGitopsRepo, waitSynced, type GitopsRepo } from './gitops-repo.js';
import { applier, setupCluster, writeKubeconfigs, type Kubeconfigs } from './kube-setup.js';
import { applyKwokNode, kwokSpec, writeKwokStages } from './kwok.js';
import { acquireLock } from './lock.js';
import { TestenvError, info, step } from './log.js';
import { argoRelease, type ArgoRelease } from './modules.js';
import { ensurePki, ensureServingCert, type Pki } from './pki.js';
import { ensureCommand, freePort, isOurs, portIsFree, startDetached, stopPid, waitUntil, which } from './proc.js';
import { prepareRegistry, registrySpec, type RegistryFiles } from './registry.js';
import { PORT_OWNER, apiserverSpec, etcdSpec, redisSpec, type Ports, type ServiceSpec } from './services.js';
import { readState, writeEnvFile, writeState, type State } from './state.js';
import { allTools, cachedPath, type GoTool, type ToolKey } from './tools.js';
import { envVars } from './env-file.js';

export type Binaries = Record<ToolKey, string> & { redis: string };

/** Everything the parts need, made before any process starts (or, for `restart`, found again). */
export interface Prepared {
  bins: Binaries;
  pki: Pki;
  release: ArgoRelease;
  argo: ArgoPaths;
  stages: string;
  registry: RegistryFiles;
  ports: Ports;
  kubeconfigs: Kubeconfigs;
  repo: GitopsRepo;
}

function dirs(s: Settings): void {
  for (const d of ['logs', 'redis', 'argocd-redis', 'etcd', 'kube', 'tofu', 'registry']) mkdirSync(join(s.dir, d), { recursive: true });
}

/** Keeps last run's ports when they are still free (stable URLs across down/up), else new ones. */
async function choosePorts(state: State, dir: string): Promise<Ports> {
  const taken = new Set<number>();
  const out: Partial<Ports> = {};
  for (const key of Object.keys(PORT_OWNER) as (keyof Ports)[]) {
    const prev = state.ports[key];
    const proc = state.procs[PORT_OWNER[key]];
    const keep = prev !== undefined && !taken.has(prev) && ((proc && isOurs(proc.pid, dir)) || (await portIsFree(prev)));
    let port = keep ? prev : await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    out[key] = port;
  }
  return out as Ports;
}

/**
 * The Go builds run a few at a time (memory allows it: Argo CD peaks at ~2.8 GB), in chains
 * where one build reuses another's compiled packages — the three Kubernetes commands share
 * most of theirs, so they run one after another rather than compile the same code twice at
 * once. tofu comes first: later CI steps wait on it. A failed build cancels the others.
 */
async function buildAll(s: Settings): Promise<Record<ToolKey, string>> {
  if (!which('go')) throw new TestenvError('go', 'the `go` command is not on PATH: install Go 1.26 (https://go.dev/dl/)');
  const tools = allTools(s.versions);
  const chains: ToolKey[][] = [
    ['tofu', 'etcd', 'kwok', 'crane', 'cosign'],
    ['apiserver', 'controllerManager', 'scheduler'],
    ['argocd', 'kustomize', 'helm', 'registry'],
  ];
  const limit = Math.max(1, Number(process.env.OPSBOT_TESTENV_BUILD_JOBS) || chains.length);
  const note = (b: { path: string; cached: boolean }) => (b.cached ? `cached ${b.path}` : `built ${b.path}`);
  const one = (t: GoTool, signal: AbortSignal) => step(`${t.name} ${t.version}`, () => buildTool(t, s.binDir, signal), note);
  const jobs = Object.fromEntries(
    chains.map((chain) => [
      chain.join('+'),
      async (signal: AbortSignal) => {
        for (const key of chain) {
          if (signal.aborted) return;
          await one(tools[key], signal);
        }
      },
    ]),
  );
  await runLimited(jobs, limit);
  return Object.fromEntries((Object.keys(tools) as ToolKey[]).map((k) => [k, cachedPath(tools[k], s.binDir)])) as Record<ToolKey, string>;
}

/** Paths of already-built binaries (for `restart`): never builds. */
function cachedBinaries(s: Settings): Record<ToolKey, string> {
  const tools = allTools(s.versions);
  return Object.fromEntries(
    (Object.keys(tools) as ToolKey[]).map((k) => {
      const path = cachedPath(tools[k], s.binDir);
      if (!existsSync(path)) throw new TestenvError(tools[k].name, `${path} is not built: run \`npm run testenv\` first`);
      return [k, path];
    }),
  ) as Record<ToolKey, string>;
}

async function prepare(s: Settings, state: State, build: boolean): Promise<Prepared> {
  dirs(s);
  const built = build ? await buildAll(s) : cachedBinaries(s);
  const cmd = async (name: string, pkg: string) =>
    build
      ? step(
          name,
          () => ensureCommand(name, pkg),
          (p) => p,
        )
      : (which(name) ?? name);
  const redis = await cmd('redis-server', 'redis-server');
  const openssl = await cmd('openssl', 'openssl');
  // The repo-server runs git; the GitOps repository is seeded with it.
  await cmd('git', 'git');
  const htpasswd = await cmd('htpasswd', 'apache2-utils');
  const release = await step(
    `Argo CD ${s.versions.argocd} release files (CRDs, config, hack/)`,
    () => argoRelease(s.versions.argocd),
    (r) => r.dir,
  );
  const stages = await step(
    `kwok ${s.versions.kwok} Stages`,
    () => writeKwokStages(s.dir, s.versions.kwok),
    (p) => p,
  );
  const pki = await step('certificates, service-account keys, tokens', () => ensurePki(s.dir, openssl));
  const registryCert = await ensureServingCert(pki, openssl, 'registry');
  const cliConfig = join(s.dir, 'tofu', 'cli.tfrc');
  // The machine's TF_CLI_CONFIG_FILE points at a missing file; tofu warns on every command
  // unless it is given one that exists. No settings needed: terraform_data is built in.
  if (!existsSync(cliConfig)) writeFileSync(cliConfig, '# OpenTofu CLI configuration for the opsbot test environment (intentionally empty).\n');

  const ports = await choosePorts(state, s.dir);
  state.ports = ports;
  const argo = prepareArgoDirs(s.dir, release, { kustomize: built.kustomize, helm: built.helm });
  const registry = await prepareRegistry(s.dir, htpasswd, registryCert, ports.registry);
  const kubeconfigs = writeKubeconfigs(s.dir, ports.apiserver, pki);
  return { bins: { ...built, redis }, pki, release, argo, stages, registry, ports, kubeconfigs, repo: gitopsRepo(s.dir) };
}

function specFor(part: Part, s: Settings, p: Prepared): ServiceSpec {
  const { bins, ports, kubeconfigs } = p;
  switch (part) {
    case 'redis':
      return redisSpec(bins.redis, s.dir, ports.redis);
    case 'etcd':
      return etcdSpec(bins.etcd, s.dir, ports);
    case 'kube-apiserver':
      return apiserverSpec(bins.apiserver, s.dir, ports, p.pki);
    case 'kube-controller-manager':
      return controllerManagerSpec(bins.controllerManager, s.dir, ports.controllerManager, kubeconfigs.admin);
    case 'kube-scheduler':
      return schedulerSpec(bins.scheduler, s.dir, ports.scheduler, kubeconfigs.admin);
    case 'kwok':
      return kwokSpec(bins.kwok, s.dir, ports, kubeconfigs.admin, p.stages, p.pki);
    case 'argocd-redis':
      return redisSpec(bins.redis, s.dir, ports.argocdRedis, 'argocd-redis');
    case 'argocd-repo-server':
      return repoServerSpec(bins.argocd, s.dir, ports, p.argo);
    case 'argocd-application-controller':
      return applicationControllerSpec(bins.argocd, s.dir, ports, kubeconfigs.admin, p.argo);
    case 'registry':
      return registrySpec(bins.registry, s.dir, ports.registry, p.registry, p.pki.caCert);
  }
}

function configDigest(spec: ServiceSpec): string {
  const files = (spec.configFiles ?? []).map((f) => readFileSync(f, 'utf8'));
  return createHash('sha256')
    .update(JSON.stringify([spec.binary, spec.args, spec.env ?? {}, files]))
    .digest('hex')
    .slice(0, 16);
}

/** Reuses a healthy process of ours started the same way; otherwise (re)starts it. */
async function ensureRunning(spec: ServiceSpec, s: Settings, state: State, started: Part[]): Promise<string> {
  const prev = state.procs[spec.part];
  const config = configDigest(spec);
  if (prev && isOurs(prev.pid, s.dir)) {
    if (prev.binary === spec.binary && prev.config === config && (await spec.probe().catch(() => false))) return `already running, pid ${prev.pid}`;
    info(`${spec.part}: pid ${prev.pid} runs ${prev.config === config ? 'but does not answer' : 'with other flags'}: restarting it`);
    await stopPid(prev.pid);
  }
  delete state.procs[spec.part];
  const proc = startDetached(spec.binary, spec.args, spec.logFile, spec.cwd, spec.env);
  started.push(spec.part);
  state.procs[spec.part] = { pid: proc.pid, binary: spec.binary, config };
  writeState(s.dir, state);
  await waitUntil(spec.part, spec.probe, { timeoutMs: spec.readyTimeoutMs, started: proc, logFile: spec.logFile });
  return `started, pid ${proc.pid}`;
}

/**
 * Extra flags for one part, from OPSBOT_TESTENV_<PART>_ARGS (e.g. OPSBOT_TESTENV_KWOK_ARGS;
 * OPSBOT_TESTENV_APISERVER_ARGS for kube-apiserver too): for local experiments, and for the
 * fault tests that make a part fail to start.
 */
function extraArgs(part: Part): string[] {
  const key = `OPSBOT_TESTENV_${part.toUpperCase().replace(/-/g, '_')}_ARGS`;
  const alias = part === 'kube-apiserver' ? (process.env.OPSBOT_TESTENV_APISERVER_ARGS ?? '') : '';
  return `${process.env[key] ?? ''} ${alias}`.split(/\s+/).filter(Boolean);
}

function startPart(part: Part, s: Settings, p: Prepared, state: State, started: Part[]): Promise<string> {
  const base = specFor(part, s, p);
  const spec = { ...base, args: [...base.args, ...extraArgs(part)] };
  const port = (Object.keys(PORT_OWNER) as (keyof Ports)[]).find((k) => PORT_OWNER[k] === part);
  return step(
    `${part}${port ? ` on 127.0.0.1:${p.ports[port]}` : ''}`,
    () => ensureRunning(spec, s, state, started),
    (r) => r,
  );
}

const APISERVER_AND_BELOW: Part[] = ['redis', 'etcd', 'kube-apiserver'];

/** Everything that can fail without starting a process happens first, so a failure leaves nothing running. */
export async function up(s: Settings): Promise<string> {
  mkdirSync(s.dir, { recursive: true });
  const release = acquireLock(s.dir);
  const started: Part[] = [];
  const state = readState(s.dir);
  try {
    const p = await prepare(s, state, true);
    const server = `https://127.0.0.1:${p.ports.apiserver}`;
    for (const part of APISERVER_AND_BELOW) await startPart(part, s, p, state, started);
    const apply = applier(p.ports.apiserver, p.pki);
    await step(`Argo CD ${s.versions.argocd} CRDs (Established), namespace argocd, AppProject default, opsbot RBAC, kwok node`, async () => {
      await setupCluster(p.ports.apiserver, p.pki, p.release.crds);
      await applyKwokNode(apply);
    });
    await step('Argo CD settings (argocd-cm, argocd-rbac-cm, argocd-secret) and the cluster Secret', () =>
      applyArgoConfig(apply, p.release, p.argo, { server, pki: p.pki }),
    );
    for (const part of PARTS.filter((x) => !APISERVER_AND_BELOW.includes(x))) await startPart(part, s, p, state, started);
    const { seeded } = await step(
      `GitOps repository ${p.repo.url}`,
      () => seedGitopsRepo(s.dir),
      (r) => r.seeded,
    );
    const apps = await step(
      'example Applications (gitops/argocd/apps), repoURL and destination pointed here',
      () => applyExampleApplications(apply, p.repo, server),
      (n) => n.join(', '),
    );
    await step(
      `Argo CD syncs them (${seeded} repository)`,
      () => waitSynced(p.ports.apiserver, p.pki, apps, 180_000),
      (r) => r,
    );
    writeState(s.dir, state);
    return writeEnvFile(s.dir, envVars(s, state, p));
  } catch (err) {
    for (const part of [...started].reverse()) {
      const proc = state.procs[part];
      if (proc) {
        info(`stopping ${part} (pid ${proc.pid}) started by this failed run`);
        await stopPid(proc.pid);
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
    // A fresh cluster, GitOps repository and registry on the next `up`; certificates, tokens
    // and the registry password are kept.
    for (const d of [join(s.dir, 'etcd', 'data'), gitopsRepo(s.dir).home, join(s.dir, 'registry', 'data'), argoPaths(s.dir).tmp]) {
      rmSync(d, { recursive: true, force: true });
    }
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
    const envFile = join(s.dir, 'env');
    if (!state.ports.apiserver || !existsSync(envFile)) {
      throw new TestenvError(part, `no test environment in ${s.dir}: run \`npm run testenv\` first`);
    }
    const p = await prepare(s, state, false);
    const prev = state.procs[part];
    if (prev && isOurs(prev.pid, s.dir)) await step(`stop ${part} (pid ${prev.pid})`, () => stopPid(prev.pid));
    delete state.procs[part];
    await startPart(part, s, p, state, []);
    writeState(s.dir, state);
    return writeEnvFile(s.dir, envVars(s, state, p));
  } finally {
    release();
  }
}
