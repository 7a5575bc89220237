/**
 * etcd and kube-apiserver killed and restarted, then `down`. These tests kill processes, so
 * they bring up a private environment (own state dir and ports, the shared binary cache) rather
 * than disturb the shared one that other suites use.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, Health, type KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createPod, loadTestenv, processRunning as alive, testenv, titled, type Testenv } from '../support/testenv.js';
import { eventually, processesMentioning, runTestenv, scriptEnv, uniqueName } from './helpers.js';

const script = scriptEnv(testenv());

describe.skipIf(!script.available)(titled('testenv: etcd and kube-apiserver restarts', script), () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-testenv-private-'));
  const scriptEnv = { OPSBOT_TESTENV_DIR: dir };
  let env: Testenv;
  let kc: KubeConfig;
  const pid = (key: string) => Number(loadTestenv(join(dir, 'env')).all[key]);

  beforeAll(async () => {
    const r = await runTestenv(['up'], scriptEnv);
    if (r.exitCode !== 0) throw new Error(`private testenv up failed:\n${r.all}`);
    env = loadTestenv(join(dir, 'env'));
    kc = adminKubeConfig(env);
  }, 420_000);

  afterAll(async () => {
    // Normally a no-op: the last test ran `down` already.
    await runTestenv(['down'], scriptEnv);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const listPods = () => kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
  // /readyz reports etcd within seconds; a list with etcd gone just hangs until the
  // apiserver's own 60 s request timeout, so readiness is what the test watches.
  const ready = () => new Health(kc).readyz({ timeout: 5000 }).catch(() => false);

  it('etcd killed: the apiserver stops being ready; etcd restarted: it serves again, data intact', async () => {
    const before = uniqueName('before-etcd-kill');
    await createPod(kc, 'default', before);
    const etcdPid = pid('ETCD_PID');
    process.kill(etcdPid, 'SIGKILL');
    await eventually('/readyz to fail with etcd down', async () => !(await ready()), 30_000);

    const r = await runTestenv(['restart', 'etcd'], scriptEnv);
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(pid('ETCD_PID')).not.toBe(etcdPid);
    await eventually('/readyz to pass again', ready, 60_000);
    const pods = await listPods();
    expect(pods.items.map((p) => p.metadata?.name)).toContain(before);
  }, 150_000);

  it('kube-apiserver killed during a watch: the watch ends; after a restart a new watch works', async () => {
    let ended: unknown = 'not yet';
    const watch = new Watch(kc);
    await watch.watch(
      '/api/v1/namespaces/default/pods',
      {},
      () => undefined,
      (err: unknown) => {
        ended = err ?? 'closed';
      },
    );
    const apiPid = pid('KUBE_APISERVER_PID');
    process.kill(apiPid, 'SIGKILL');
    await eventually('the watch to end with an error or close', async () => ended !== 'not yet', 15_000);
    expect(ended).not.toBe('not yet');

    const r = await runTestenv(['restart', 'kube-apiserver'], scriptEnv);
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(pid('KUBE_APISERVER_PID')).not.toBe(apiPid);
    // Same URL after the restart: the kubeconfig needs no change.
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`KUBE_APISERVER_URL=${env.all.KUBE_APISERVER_URL}`);

    const seen: string[] = [];
    const name = uniqueName('after-restart');
    const ctl = await watch.watch(
      '/api/v1/namespaces/default/pods',
      {},
      (phase: string, obj: { metadata?: { name?: string } }) => {
        seen.push(`${phase}:${obj.metadata?.name ?? ''}`);
      },
      () => undefined,
    );
    try {
      await createPod(kc, 'default', name);
      await expect.poll(() => seen, { timeout: 10_000 }).toContain(`ADDED:${name}`);
    } finally {
      ctl.abort();
    }
  }, 150_000);

  it('down stops every part `up` started (by the pids in the env file) and leaves nothing running', async () => {
    const pids = Object.entries(loadTestenv(join(dir, 'env')).all).filter(([k, v]) => k.endsWith('_PID') && v);
    // redis, etcd, the three Kubernetes commands, kwok, Argo CD's redis, repo-server and controller, the registry.
    expect(pids.map(([k]) => k).sort()).toEqual([
      'ARGOCD_APPLICATION_CONTROLLER_PID',
      'ARGOCD_REDIS_PID',
      'ARGOCD_REPO_SERVER_PID',
      'ETCD_PID',
      'KUBE_APISERVER_PID',
      'KUBE_CONTROLLER_MANAGER_PID',
      'KUBE_SCHEDULER_PID',
      'KWOK_PID',
      'REDIS_PID',
      'REGISTRY_PID',
    ]);
    for (const [, pid] of pids) expect(alive(Number(pid))).toBe(true);
    const r = await runTestenv(['down'], scriptEnv);
    expect(r.exitCode, String(r.all)).toBe(0);
    for (const [k, pid] of pids) expect({ k, alive: alive(Number(pid)) }).toEqual({ k, alive: false });
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(join(dir, 'env'))).toBe(false);
  }, 120_000);
});
