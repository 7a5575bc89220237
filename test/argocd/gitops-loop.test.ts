/**
 * The deploy follow-up on the real GitOps loop: opsbot commits, Argo CD's own controller syncs
 * the Application by itself, kube-controller-manager makes ReplicaSets and pods, kwok runs them
 * (or fails them by image tag: `-broken` → ImagePullBackOff, `-crash` → CrashLoopBackOff). Driven
 * from the console CLI; no test writes an Application's or a pod's status. Each test has its own
 * Application, bare repository and destination namespace (createIsolatedApplication).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedApplication, deployment, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, testenv, titled } from '../support/testenv.js';
import { git } from '../gitops/bare-repo.js';

const env = testenv();
const FOLLOW_TIMEOUT = '5m';

/** Two apps in one Application (one environment's manifests), each with its own file. */
function config(app: IsolatedApplication, extra = ''): string {
  const envOf = (name: string) => `{ kind: manifest, path: ${name}.yaml, container: ${name}, application: ${app.name} }`;
  return writeConfig(`
gitops: { url: ${app.repo.bare} }
argocd: { namespaces: [${app.namespace}], followTimeout: ${FOLLOW_TIMEOUT} }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: ${envOf('web')}
  api:
    image: ghcr.io/example/api
    environments:
      staging: ${envOf('api')}
${extra}
access:
  rules:
    - subjects: ["console:*"]
      actions: [deploy]
`);
}

describe.skipIf(!env.argocd.available)(titled('the deploy follow-up on the real GitOps loop', env.argocd), () => {
  let redis: TestRedis;
  const apps: IsolatedApplication[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const a of apps) await a.delete();
    await redis?.close();
  });

  async function loop(): Promise<{ app: IsolatedApplication; opsbotEnv: NodeJS.ProcessEnv }> {
    const app = await createIsolatedApplication({
      prefix: 'loop',
      files: {
        'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.0', replicas: 2 }),
        'api.yaml': deployment({ name: 'api', image: 'ghcr.io/example/api:1.0.0' }),
      },
    });
    apps.push(app);
    await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 90_000);
    const opsbotEnv = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config(app), OPSBOT_HOME: tempDir('opsbot-loop-home-'), KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG });
    return { app, opsbotEnv };
  }

  const chat = (e: NodeJS.ProcessEnv, line: string) => runOpsbot(['console', '--as', 'alice', '--exec', line], { env: e, timeoutMs: 240_000 });

  /** Every revision Argo CD ever synced the Application to (status.history, written by its controller). */
  const syncedHistory = async (app: IsolatedApplication) => ((await app.get()).status as { history?: { revision?: string }[] } | undefined)?.history?.map((h) => h.revision) ?? [];

  it('/deploy → commit → Argo CD syncs by itself → kwok pods Ready → the chat says deployed, with the rollout and the pods', async () => {
    const { app, opsbotEnv } = await loop();
    const r = await chat(opsbotEnv, '/deploy web 1.0.1 staging');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const head = await app.head();
    expect(r.stdout).toContain(`runs ${head.slice(0, 7)}: synced and healthy`);
    expect(r.stdout).toMatch(/Deployment web: 2\/2 updated, 2\/2 ready \(ReplicaSet web-[a-z0-9]+\)/);
    const pods = await adminKubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: app.destination, labelSelector: 'app.kubernetes.io/name=web' });
    const running = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.image === 'ghcr.io/example/web:1.0.1');
    expect(running).toHaveLength(2);
    for (const p of running) expect(r.stdout).toContain(p.metadata!.name!);
    // Argo CD's own verdict agrees, at the deploy's commit.
    const live = await app.get();
    expect(live.status?.sync?.revision).toBe(head);
    expect(live.status?.health?.status).toBe('Healthy');
  }, 300_000);
});
