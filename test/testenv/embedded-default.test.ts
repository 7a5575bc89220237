/**
 * The example Applications and the embedded default, as `npm run testenv` leaves them: the
 * Applications of gitops/argocd/apps sync from the repository the embedded default commits to
 * (OPSBOT_HOME from .testenv/env), so a `/deploy` from the console lands in what Argo CD
 * syncs. Checked from the outside: the commit in the bare repository, what Argo CD wrote in the
 * Application, the pods kwok runs.
 */
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SyncedApplication } from '../support/argocd-app.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { ARGO, adminKubeConfig, testenv, titled } from '../support/testenv.js';
import { REPO_ROOT, eventually } from './helpers.js';

const env = testenv();
const ns = env.argocd.env.ARGOCD_NAMESPACE ?? 'argocd';
const repo = env.argocd.env.GITOPS_REPO ?? '';

const head = async () => (await execa('git', ['rev-parse', env.argocd.env.GITOPS_BRANCH ?? 'main'], { cwd: repo })).stdout.trim();

describe.skipIf(!env.argocd.available)(titled('testenv: the example Applications and the embedded default', env.argocd), () => {
  let kc: KubeConfig;
  beforeAll(() => {
    kc = adminKubeConfig();
  });
  const app = async (name: string) =>
    (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...ARGO, namespace: ns, name })) as SyncedApplication & {
      spec: { source: { repoURL: string }; destination: { server: string } };
    };

  it('every example Application syncs from the seeded repository into the registered cluster; the committed files keep their real values', async () => {
    const dir = join(REPO_ROOT, 'gitops', 'argocd', 'apps');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const committed = parse(readFileSync(join(dir, f), 'utf8')) as {
        metadata: { name: string };
        spec: { source: { repoURL: string }; destination: { server: string } };
      };
      expect(committed.spec.source.repoURL).toMatch(/^https:\/\//);
      const live = await app(committed.metadata.name);
      expect(live.spec.source.repoURL).toBe(env.argocd.env.GITOPS_REPO_URL);
      expect(live.spec.destination.server).toBe(env.argocd.env.ARGOCD_CLUSTER_SERVER);
      // Synced at the repository's head (another deploy may land meanwhile: read both again).
      await eventually(
        `${committed.metadata.name} Synced at the head`,
        async () => {
          const a = await app(committed.metadata.name);
          return a.status?.sync?.status === 'Synced' && a.status.sync.revision === (await head());
        },
        60_000,
      );
    }
  }, 120_000);

  it('a /deploy of the embedded default, with .testenv/env, commits into that repository; Argo CD syncs it; kwok runs the new image', async () => {
    const tag = `1.5.${randomInt(1000, 1_000_000)}`;
    const r = await runOpsbot(['console', '--as', 'alice', '--exec', `/deploy web ${tag} staging`], {
      env: baseEnv({ REDIS_URL: env.redis.env.REDIS_URL, KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG, OPSBOT_HOME: env.all.OPSBOT_HOME }),
      timeoutMs: 120_000,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const commit = await head();
    const changed = (await execa('git', ['show', commit, '--', 'apps/web/overlays/staging/kustomization.yaml'], { cwd: repo })).stdout;
    expect(changed).toContain(`+    newTag: "${tag}"`);
    const synced = await eventually(
      'web-staging Synced and Healthy at the deploy commit',
      async () => {
        const a = await app('web-staging');
        return a.status?.sync?.revision === commit && a.status.sync.status === 'Synced' && a.status.health?.status === 'Healthy' && a;
      },
      90_000,
    );
    expect(synced.status?.operationState?.syncResult?.revision).toBe(commit);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'web-staging', labelSelector: 'app.kubernetes.io/name=web' });
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(live.map((p) => p.spec?.containers[0]?.image)).toContain(`ghcr.io/example/web:${tag}`);
  }, 180_000);
});
