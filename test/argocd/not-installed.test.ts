/**
 * /status against a cluster without Argo CD: a second, real kube-apiserver (the test
 * environment's binary and etcd, an empty cluster of its own) that does not serve
 * applications.argoproj.io. opsbot says so in one line and exits 0 — no crash, no stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareApiserver, type BareApiserver } from '../support/bare-apiserver.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { createBareRepo, type BareRepo } from '../gitops/bare-repo.js';
import { testenv, titled } from '../support/testenv.js';

const env = testenv();

describe.skipIf(!env.kube.available)(titled('a cluster without Argo CD', env.kube), () => {
  let api: BareApiserver;
  let repo: BareRepo;
  beforeAll(async () => {
    api = await startBareApiserver(env);
    repo = await createBareRepo({ 'web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n' });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await repo?.cleanup();
  });

  it('/status: "Argo CD is not installed in namespace argocd", one line, exit 0', async () => {
    const config = writeConfig(`
gitops: { url: ${repo.bare} }
argocd: { namespaces: [argocd] }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: manifest, path: web.yaml, container: web, application: web-staging }
`);
    const r = await runOpsbot(['console', '--as', 'alice', '--exec', '/status web staging'], {
      env: baseEnv({ OPSBOT_CONFIG: config, OPSBOT_HOME: tempDir('opsbot-no-argocd-'), KUBECONFIG: api.kubeconfig }),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^\[job \d+\] ℹ \/status: Argo CD is not installed in namespace argocd: the Kubernetes API server does not serve applications\.argoproj\.io/m,
    );
    expect(r.stdout).not.toMatch(/\bat .*\.js:\d+/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+|"stack"/);
  }, 120_000);
});
