/**
 * /status against what the real loop writes: an Application Argo CD cannot render (a
 * ComparisonError from its repo-server, not written by the test), an Application that does not
 * exist, and how the API server answers for a kind it does not serve (Argo CD not installed).
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnservedKind } from '../../src/argocd/kube-errors.js';
import { createIsolatedApplication, deployment, webAppConfig, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, opsbotKubeConfig, testenv, titled } from '../support/testenv.js';

const env = testenv();

describe.skipIf(!env.argocd.available)(titled('/status on the real GitOps loop', env.argocd), () => {
  let redis: TestRedis;
  let app: IsolatedApplication;
  let opsbotEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedis();
    app = await createIsolatedApplication({
      prefix: 'status',
      files: { 'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.0' }) },
    });
    await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 90_000);
    const config = writeConfig(
      webAppConfig(app, 'access:\n  rules:\n    - subjects: ["console:*"]\n      actions: [deploy]\n', [
        `gone: { kind: manifest, path: web.yaml, container: web, application: ${app.name}-gone }`,
      ]),
    );
    opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      OPSBOT_HOME: tempDir('opsbot-status-home-'),
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
    });
  }, 120_000);
  afterAll(async () => {
    await app?.delete();
    await redis?.close();
  });

  const chat = (line: string) => runOpsbot(['console', '--as', 'alice', '--exec', line], { env: opsbotEnv, timeoutMs: 60_000 });

  it('a healthy app: sync, health, and its pods found through its Deployment (Argo CD 3.x sets no tracking label)', async () => {
    const r = await chat('/status web staging');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${app.name} (staging): Synced, Healthy`);
    expect(r.stdout).toMatch(/web-[a-z0-9]+-[a-z0-9]+ {2}1\/1 {2}Running/);
  }, 60_000);

  it('an Application that does not exist: a clear reply naming it', async () => {
    const r = await chat('/status web gone');
    expect(r.stdout + r.stderr).toContain(`Argo CD Application ${app.namespace}/${app.name}-gone does not exist`);
    expect(r.code).toBe(0);
  }, 60_000);

  it("a commit Argo CD's repo-server cannot render: its ComparisonError in the chat", async () => {
    await app.commit({ 'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map\n' }, 'a broken manifest');
    await app.refresh();
    const seen = await app.waitFor('ComparisonError', (a) => (a.status?.conditions ?? []).some((c) => c.type === 'ComparisonError'), 90_000);
    const message = seen.status!.conditions!.find((c) => c.type === 'ComparisonError')!.message!;
    const r = await chat('/status web staging');
    expect(r.stdout).toContain('ComparisonError: ');
    // Argo CD's own words (its first line: the message can be long).
    expect(r.stdout).toContain(message.split('\n')[0]!.slice(0, 60));
  }, 120_000);

  it('the API server answers a kind it does not serve differently from a missing object: that is "Argo CD is not installed"', async () => {
    for (const kc of [adminKubeConfig(), opsbotKubeConfig()]) {
      const api = kc.makeApiClient(CustomObjectsApi);
      const missingObject = await api
        .getNamespacedCustomObject({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'applications',
          namespace: app.namespace,
          name: 'no-such-app',
        })
        .catch((e: unknown) => e);
      expect(isUnservedKind(missingObject)).toBe(false);
    }
    const api = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const unservedGroup = await api
      .getNamespacedCustomObject({ group: 'notargoproj.io', version: 'v1alpha1', plural: 'applications', namespace: app.namespace, name: 'x' })
      .catch((e: unknown) => e);
    expect(isUnservedKind(unservedGroup)).toBe(true);
    const unservedKind = await api
      .getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'notapplications', namespace: app.namespace, name: 'x' })
      .catch((e: unknown) => e);
    expect(isUnservedKind(unservedKind)).toBe(true);
  }, 60_000);
});
