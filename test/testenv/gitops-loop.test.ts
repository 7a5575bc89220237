/**
 * The GitOps loop of the test environment, checked from the outside: a commit in a bare
 * repository → Argo CD's own controller syncs it → kube-controller-manager makes ReplicaSets
 * and pods → kube-scheduler puts them on kwok's node → kwok runs them (or fails them, by image
 * tag) → Argo CD judges health. Nothing in this file writes any status: every status asserted
 * is what Argo CD or Kubernetes wrote.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedApplication, deployment, type IsolatedApplication, type SyncedApplication } from '../support/argocd-app.js';
import { adminKubeConfig, testenv, titled } from '../support/testenv.js';
import { eventually } from './helpers.js';

const env = testenv();
const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const syncedAt = (rev: string) => (a: SyncedApplication) => a.status?.sync?.status === 'Synced' && a.status.sync.revision === rev;

describe.skipIf(!env.argocd.available)(
  titled('testenv: the GitOps loop (Argo CD, kube-controller-manager, kube-scheduler, kwok)', env.argocd),
  () => {
    let kc: KubeConfig;
    const apps: IsolatedApplication[] = [];
    beforeAll(() => {
      kc = adminKubeConfig();
    });
    afterAll(async () => {
      for (const a of apps) await a.delete();
    });
    const pods = async (ns: string) =>
      (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=web' })).items;
    const isolated = async (image: string, extra: { progressDeadlineSeconds?: number } = {}) => {
      const app = await createIsolatedApplication({
        prefix: 'loop',
        files: { 'web.yaml': deployment({ name: 'web', image, replicas: 2, ...extra }) },
      });
      apps.push(app);
      return app;
    };

    it('an Application is synced by Argo CD itself; kwok runs its pods; Argo CD reports Synced and Healthy at the head', async () => {
      const app = await isolated('ghcr.io/example/web:1.0.0');
      const head = await app.head();
      const done = await app.waitFor(
        'Synced and Healthy at the head, its sync operation finished',
        (a) => syncedAt(head)(a) && a.status?.health?.status === 'Healthy' && a.status.operationState?.phase === 'Succeeded',
        90_000,
      );
      expect(done.status?.operationState?.syncResult?.revision).toBe(head);
      // Argo CD 3.x lists the resources it manages, with their sync status; their health is not
      // persisted in the Application (controller.resource.health.persist is off by default).
      expect(done.status?.resources).toContainEqual(
        expect.objectContaining({ kind: 'Deployment', name: 'web', namespace: app.destination, status: 'Synced' }),
      );

      // Applied by Argo CD 3.x: tracked by annotation, no instance label.
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: app.destination, name: 'web' });
      expect(d.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toBe(`${app.name}:apps/Deployment:${app.destination}/web`);
      expect(d.metadata?.labels?.['app.kubernetes.io/instance']).toBeUndefined();
      expect(d.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });

      const running = await pods(app.destination);
      expect(running).toHaveLength(2);
      for (const p of running) {
        expect(p.spec?.nodeName).toBe(env.all.KWOK_NODE);
        expect(p.status?.phase).toBe('Running');
        expect(ready(p)).toBe(true);
        expect(p.status?.containerStatuses?.[0]).toMatchObject({
          image: 'ghcr.io/example/web:1.0.0',
          ready: true,
          state: { running: expect.anything() },
        });
        // Owned by a ReplicaSet the Deployment controller made.
        expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet' });
      }
    }, 120_000);

    it('a second commit plus the refresh annotation: synced to the new head, the rollout done by kwok pods', async () => {
      const app = apps[0] ?? (await isolated('ghcr.io/example/web:1.0.0'));
      await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 90_000);
      const head = await app.commit({ 'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.1', replicas: 2 }) }, 'web 1.0.1');
      await app.refresh();
      await app.waitFor('Synced and Healthy at the new head', (a) => syncedAt(head)(a) && a.status?.health?.status === 'Healthy', 60_000);
      const now = await eventually(
        'only 1.0.1 pods, all Ready',
        async () => {
          const ps = await pods(app.destination);
          return (
            ps.length === 2 &&
            ps.every((p) => ready(p) && p.spec?.containers[0]?.image === 'ghcr.io/example/web:1.0.1' && !p.metadata?.deletionTimestamp) &&
            ps
          );
        },
        60_000,
      );
      expect(now.map((p) => p.status?.phase)).toEqual(['Running', 'Running']);
    }, 150_000);

    it('a tag ending in -broken: the pods wait in ImagePullBackOff, never Ready; Argo CD reports Degraded by its own rules', async () => {
      // A short progress deadline lets the Deployment controller give up within the test.
      const app = await isolated('ghcr.io/example/web:1.0.2-broken', { progressDeadlineSeconds: 10 });
      const head = await app.head();
      await app.waitFor('Synced', syncedAt(head), 90_000);
      const waiting = await eventually(
        'pods waiting in ImagePullBackOff',
        async () => {
          const ps = await pods(app.destination);
          return ps.length === 2 && ps.every((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff') && ps;
        },
        60_000,
      );
      for (const p of waiting) {
        expect(ready(p)).toBe(false);
        expect(p.status?.phase).toBe('Pending');
        expect(p.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain('ghcr.io/example/web:1.0.2-broken');
      }
      const degraded = await app.waitFor('Degraded', (a) => a.status?.health?.status === 'Degraded', 90_000);
      expect(degraded.status?.health?.message).toBe(`Caused by apps/Deployment:${app.destination}/web`);
      // Kubernetes' verdict that Argo CD's Deployment health check reads.
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: app.destination, name: 'web' });
      expect(d.status?.conditions).toContainEqual(
        expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }),
      );
      expect(d.status?.readyReplicas ?? 0).toBe(0);
      // Still not Ready: the state is stable, not a step on the way to Running — and settled:
      // kwok does not keep rewriting it (nothing else writes these pods' status).
      const later = await pods(app.destination);
      expect(later.map((p) => [ready(p), p.status?.containerStatuses?.[0]?.state?.waiting?.reason])).toEqual([
        [false, 'ImagePullBackOff'],
        [false, 'ImagePullBackOff'],
      ]);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await pods(app.destination)).map((p) => p.metadata?.resourceVersion).sort()).toEqual(
        later.map((p) => p.metadata?.resourceVersion).sort(),
      );
    }, 150_000);

    it('a tag ending in -crash: the pods go CrashLoopBackOff with a growing restart count; Argo CD reports Degraded', async () => {
      const app = await isolated('ghcr.io/example/web:1.0.3-crash', { progressDeadlineSeconds: 10 });
      const head = await app.head();
      await app.waitFor('Synced', syncedAt(head), 90_000);
      const restarts = async () => (await pods(app.destination)).map((p) => p.status?.containerStatuses?.[0]?.restartCount ?? 0);
      const first = await eventually(
        'pods in CrashLoopBackOff',
        async () => {
          const ps = await pods(app.destination);
          return ps.length === 2 && ps.every((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff') && ps;
        },
        60_000,
      );
      for (const p of first) {
        expect(p.status?.phase).toBe('Running');
        expect(ready(p)).toBe(false);
        expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
      }
      const before = Math.min(...(await restarts()));
      expect(before).toBeGreaterThanOrEqual(1);
      await eventually('the restart count to grow', async () => Math.min(...(await restarts())) > before, 60_000);
      await app.waitFor('Degraded', (a) => a.status?.health?.status === 'Degraded', 90_000);
    }, 180_000);
  },
);
