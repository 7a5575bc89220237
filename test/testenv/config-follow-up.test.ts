/**
 * `/config` through the whole GitOps loop of the test environment: the embedded default commits
 * into the repository Argo CD syncs, the reply follows Argo CD as a deploy's does, and kwok's pods
 * come back with the new value — checked from the outside (the commit, the Application Argo CD
 * wrote, the pods).
 */
import { randomInt } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SyncedApplication } from '../support/argocd-app.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { ARGO, adminKubeConfig, testenv, titled } from '../support/testenv.js';
import { eventually } from './helpers.js';

const env = testenv();
const ns = env.argocd.env.ARGOCD_NAMESPACE ?? 'argocd';
const repo = env.argocd.env.GITOPS_REPO ?? '';
const head = async () => (await execa('git', ['rev-parse', env.argocd.env.GITOPS_BRANCH ?? 'main'], { cwd: repo })).stdout.trim();

describe.skipIf(!env.argocd.available)(titled('testenv: /config followed through Argo CD', env.argocd), () => {
  let kc: KubeConfig;
  beforeAll(() => {
    kc = adminKubeConfig();
  });
  const app = async (name: string) =>
    (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...ARGO, namespace: ns, name })) as SyncedApplication;

  it('/config worker set LOG_LEVEL=… commits, the reply follows Argo CD to synced and healthy, the pods run with the value', async () => {
    const level = `debug-${randomInt(1000, 1_000_000)}`;
    const r = await runOpsbot(['console', '--as', 'alice', '--exec', `/config worker set LOG_LEVEL=${level}`], {
      env: baseEnv({ REDIS_URL: env.redis.env.REDIS_URL, KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG, OPSBOT_HOME: env.all.OPSBOT_HOME }),
      timeoutMs: 150_000,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('✔ Configured worker in prod: set LOG_LEVEL');
    expect(r.stdout).not.toContain('Argo CD follow-up skipped');
    const commit = await head();
    const changed = (await execa('git', ['show', commit, '--format=%s', '--', 'apps/worker/deployment.yaml'], { cwd: repo })).stdout;
    expect(changed).toContain('config(worker): set LOG_LEVEL [prod]');
    expect(changed).toContain(`+              value: ${level}`);
    const synced = await eventually(
      'worker-prod Synced and Healthy at the config commit',
      async () => {
        const a = await app('worker-prod');
        return a.status?.sync?.revision === commit && a.status.sync.status === 'Synced' && a.status.health?.status === 'Healthy' && a;
      },
      90_000,
    );
    expect(synced.status?.operationState?.syncResult?.revision).toBe(commit);
    await eventually(
      'a worker pod with the new LOG_LEVEL',
      async () => {
        const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'worker', labelSelector: 'app.kubernetes.io/name=worker' });
        return pods.items.some(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.spec?.containers.find((c) => c.name === 'worker')?.env?.some((e) => e.name === 'LOG_LEVEL' && e.value === level),
        );
      },
      90_000,
    );
  }, 240_000);
});
