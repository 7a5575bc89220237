import { describe, expect, it } from 'vitest';
import { config, FakeArgoCd, jobContext } from '../../../test/support/fakes.js';
import { statusJob } from './status.js';

const CONFIG = config(`
gitops: { url: /srv/gitops.git }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: a/k.yaml }
      prod: { kind: kustomize, path: b/k.yaml, application: web-production, namespace: web, podSelector: "app=web" }
`);

describe('status job', () => {
  it('asks Argo CD about the environment’s Application, <app>-<env> by default', async () => {
    const argocd = new FakeArgoCd();
    const { ctx } = jobContext('status', { app: 'web', env: 'staging' });
    expect(await statusJob({ config: CONFIG, argocd }).run(ctx)).toEqual({ title: 'web-staging: Synced, Healthy' });
    expect(argocd.asked).toEqual([{ application: 'web-staging', podNamespace: undefined, podSelector: undefined }]);
  });

  it('uses the configured Application, pod namespace and selector', async () => {
    const argocd = new FakeArgoCd();
    const { ctx } = jobContext('status', { app: 'web', env: 'prod' });
    await statusJob({ config: CONFIG, argocd }).run(ctx);
    expect(argocd.asked).toEqual([{ application: 'web-production', podNamespace: 'web', podSelector: 'app=web' }]);
  });

  it('an environment gone from the configuration fails with E_UNKNOWN_APP', async () => {
    const { ctx } = jobContext('status', { app: 'web', env: 'qa' });
    await expect(statusJob({ config: CONFIG, argocd: new FakeArgoCd() }).run(ctx)).rejects.toMatchObject({ code: 'E_UNKNOWN_APP' });
  });
});
