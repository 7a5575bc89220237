import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isArgocdError } from '../../src/argocd/errors.js';
import { kubeError } from '../../src/argocd/kube-errors.js';
import { fetchPods } from '../../src/argocd/pods.js';
import { fetchStatus } from '../../src/argocd/status-report.js';
import { adminKubeConfig, createApplication, createPod, patchApplicationStatus, titled, writePodStatus } from '../support/testenv.js';
import { createNamespace, deleteNamespace, env, opsbotConnection } from './kube-env.js';
import { REV_B, operation, status } from './fixtures.js';

/**
 * Pods and /status against the real kube-apiserver, with statuses written by the test. Why
 * hand-written (the real loop's /status is in status-loop.test.ts): pods found by the tracking
 * label (Argo CD 3.x no longer sets it, so the loop never produces it), a half-done rollout held
 * still, and the least-privilege account refused a read.
 */

if (!env.kube.available) console.warn(`argocd pods/status tests skipped: ${env.kube.reason}`);

describe.skipIf(!env.kube.available)(titled('pods and /status against the real kube-apiserver', env.kube), () => {
  const admin = env.kube.available ? adminKubeConfig() : undefined!;
  let appsNs: string;
  let podsNs: string;
  const kube = env.kube.available ? opsbotConnection() : undefined!;

  beforeAll(async () => {
    appsNs = await createNamespace('opsbot-apps');
    podsNs = await createNamespace('opsbot-pods');
    await createApplication(admin, appsNs, 'web-prod', { destination: { server: 'https://kubernetes.default.svc', namespace: podsNs } });
    await patchApplicationStatus(
      admin,
      appsNs,
      'web-prod',
      status({
        revision: REV_B,
        health: 'Progressing',
        op: operation('Succeeded', REV_B, '2026-11-25T10:00:05Z', '2026-11-25T10:00:09Z'),
        reconciledAt: '2026-11-25T10:00:10Z',
      }),
    );
    const labels = { 'app.kubernetes.io/instance': 'web-prod' };
    await createPod(admin, podsNs, 'web-old', { labels, image: 'ghcr.io/example/web:1.1.0' });
    await createPod(admin, podsNs, 'web-new', { labels, image: 'ghcr.io/example/web:1.2.0' });
    await createPod(admin, podsNs, 'other', { labels: { 'app.kubernetes.io/instance': 'other' } });
    const now = new Date().toISOString();
    await writePodStatus(admin, podsNs, 'web-old', {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(now) }],
      containerStatuses: [
        {
          name: 'app',
          image: 'ghcr.io/example/web:1.1.0',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date(now) } },
        },
      ],
    });
    await writePodStatus(admin, podsNs, 'web-new', {
      phase: 'Pending',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date(now) }],
      containerStatuses: [
        {
          name: 'app',
          image: 'ghcr.io/example/web:1.2.0',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
        },
      ],
    });
  });
  afterAll(async () => {
    await deleteNamespace(appsNs);
    await deleteNamespace(podsNs);
  });

  it('pods by the tracking label: the half-done rollout is visible', async () => {
    const pods = await fetchPods(kube, { namespace: podsNs, selector: 'app.kubernetes.io/instance=web-prod' });
    expect(pods.map((p) => [p.name, p.ready, p.reasons]).sort()).toEqual([
      ['web-new', false, ['app: ImagePullBackOff']],
      ['web-old', true, []],
    ]);
  });

  it('/status: sync, revision, health, last operation and pods in one message', async () => {
    const m = await fetchStatus(kube, { namespace: appsNs, application: 'web-prod' }, { env: 'prod' });
    expect(m.title).toBe('web-prod (prod): Synced, Progressing');
    expect(m.fields).toEqual(
      expect.arrayContaining([
        { label: 'Revision', value: '0123456' },
        { label: 'Pods ready', value: '1/2' },
        { label: 'Problems', value: 'ImagePullBackOff' },
        { label: 'Images (mixed)', value: expect.stringContaining('1.1.0') },
      ]),
    );
    expect(m.code).toContain('web-new  0/1  Pending');
  });

  it('/status of an Application that does not exist: E_ARGOCD_APP_MISSING', async () => {
    await expect(fetchStatus(kube, { namespace: appsNs, application: 'nope' })).rejects.toMatchObject({ code: 'E_ARGOCD_APP_MISSING' });
  });

  it('403: the least-privilege account may not list secrets, and says so clearly', async () => {
    const err = await kube.coreApi.listNamespacedSecret({ namespace: appsNs }).then(
      () => undefined,
      (e: unknown) => kubeError(e, `list secrets in ${appsNs}`),
    );
    expect(isArgocdError(err, 'E_KUBE_FORBIDDEN')).toBe(true);
    expect(err?.httpStatus).toBe(403);
    expect(err?.message).toMatch(
      new RegExp(
        `^opsbot may not list secrets in ${appsNs}: the Kubernetes API server answered 403 Forbidden \\(secrets is forbidden: User "[^"]+" cannot list resource "secrets"`,
      ),
    );
    expect(err?.message).not.toMatch(/audit-id/);
    console.info(err?.message);
  });
});
