import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Metrics } from '../../src/core/metrics.js';
import { ApplicationWatcher, type WatcherEventType } from '../../src/argocd/application-watcher.js';
import { KubeConnection } from '../../src/argocd/kube.js';
import type { ArgocdError } from '../../src/argocd/errors.js';
import { ARGO, adminKubeConfig, createApplication, opsbotKubeConfig, patchApplicationStatus, titled } from '../support/testenv.js';
import { createNamespace, deleteNamespace, env, opsbotConnection, startCutProxy, until, withServer, type CutProxy } from './kube-env.js';
import { REV_A, REV_B, operation, status } from './fixtures.js';

/**
 * The Application watcher against the real kube-apiserver. Statuses are written by the test:
 * what is proven is the watch itself (malformed or partial statuses Argo CD would not write, a
 * cut connection, 410 Gone after compaction, 401), not what Argo CD writes.
 */

/** Lets the test put the watcher's resume position somewhere the API server has compacted away. */
class RewindableWatcher extends ApplicationWatcher {
  rewind(ns: string): void {
    this.positions.set(ns, '1');
  }
}

if (!env.kube.available) console.warn(`argocd watcher tests skipped: ${env.kube.reason}`);

describe.skipIf(!env.kube.available)(titled('ApplicationWatcher against the real kube-apiserver', env.kube), () => {
  const admin = env.kube.available ? adminKubeConfig() : undefined!;
  let ns: string;
  let proxy: CutProxy;
  let watcher: RewindableWatcher;
  const metrics = new Metrics();
  const events: [WatcherEventType, string, string | undefined][] = [];
  const counter = async (name: string, labels: Record<string, string>) => {
    const m = await metrics.registry.getSingleMetric(name)?.get();
    return m?.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((n, v) => n + v.value, 0) ?? 0;
  };
  const seen = (type: WatcherEventType, name: string, pred: (phase: string | undefined) => boolean = () => true) =>
    events.some(([t, n, phase]) => t === type && n === name && pred(phase));

  beforeAll(async () => {
    ns = await createNamespace('opsbot-watch');
    await createApplication(admin, ns, 'before-start');
    proxy = await startCutProxy(env.kube.env.KUBE_APISERVER_URL!);
    watcher = new RewindableWatcher({ kube: opsbotConnection(proxy.url), namespaces: [ns], metrics });
    watcher.subscribe((type, app) => {
      if (app) events.push([type, app.name, app.operationState?.phase]);
    });
    watcher.start();
    await watcher.waitForSync();
  });
  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
    await deleteNamespace(ns);
  });

  it('lists first (ADDED), then watches ADDED / MODIFIED / DELETED, and keeps a cache', async () => {
    expect(seen('ADDED', 'before-start')).toBe(true);
    await createApplication(admin, ns, 'web');
    await until('ADDED web', () => seen('ADDED', 'web'));
    await patchApplicationStatus(admin, ns, 'web', status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B) }));
    await until('Running in cache', () => watcher.get(ns, 'web')?.operationState?.phase === 'Running');
    await admin.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...ARGO, namespace: ns, name: 'before-start' });
    await until('DELETED', () => seen('DELETED', 'before-start'));
    expect(watcher.get(ns, 'before-start')).toBeUndefined();
    expect(await counter('opsbot_argocd_relists_total', { reason: 'initial' })).toBe(1);
  });

  it('a malformed or partial status does not stop the watcher', async () => {
    await createApplication(admin, ns, 'odd');
    const partials = [
      { operationState: { phase: 'Succeeded' } },
      { health: {}, sync: {} },
      { resources: [{ kind: 'Deployment' }, {}], operationState: { syncResult: {} } },
      { reconciledAt: 'not a time', operationState: { phase: 'Weird', finishedAt: 'nope' } },
    ];
    for (const st of partials) {
      try {
        await patchApplicationStatus(admin, ns, 'odd', st);
      } catch {
        // the CRD's schema may refuse a shape; the point is that whatever it accepts is read
      }
    }
    await patchApplicationStatus(admin, ns, 'odd', status({ revision: REV_A }));
    await until('odd healthy after the malformed ones', () => watcher.get(ns, 'odd')?.health.status === 'Healthy');
  });

  it('a cut watch connection resumes from the last resourceVersion: nothing lost, no relist', async () => {
    await createApplication(admin, ns, 'cut');
    await until('ADDED cut', () => seen('ADDED', 'cut'));
    const relistsBefore = await counter('opsbot_argocd_relists_total', {});
    proxy.hold(); // the stream dies; reconnects fail until resume()
    await patchApplicationStatus(admin, ns, 'cut', status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B) }));
    await patchApplicationStatus(
      admin,
      ns,
      'cut',
      status({
        revision: REV_B,
        op: operation('Succeeded', REV_B, '2026-11-25T10:00:05Z', '2026-11-25T10:00:09Z'),
        reconciledAt: '2026-11-25T10:00:10Z',
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    proxy.resume();
    // Both transitions, in order: a resumed watch replays every change after its resourceVersion.
    await until('Running and Succeeded replayed', () => seen('MODIFIED', 'cut', (p) => p === 'Succeeded'), 20_000);
    const phases = events.filter(([t, n]) => t === 'MODIFIED' && n === 'cut').map(([, , p]) => p);
    expect(phases).toEqual(['Running', 'Succeeded']);
    expect(await counter('opsbot_argocd_relists_total', {})).toBe(relistsBefore);
    expect(await counter('opsbot_argocd_watch_restarts_total', {})).toBeGreaterThan(0);
  });

  it('410 Gone (a compacted resourceVersion) → relist, and the change made meanwhile is delivered', async () => {
    await createApplication(admin, ns, 'gone');
    await until('ADDED gone', () => seen('ADDED', 'gone'));
    proxy.hold();
    watcher.rewind(ns);
    await patchApplicationStatus(
      admin,
      ns,
      'gone',
      status({ sync: 'OutOfSync', revision: REV_B, op: operation('Failed', REV_B, '2026-11-25T10:00:05Z', '2026-11-25T10:00:09Z', 'hook failed') }),
    );
    proxy.resume();
    await until('Failed seen after relist', () => seen('MODIFIED', 'gone', (p) => p === 'Failed'), 20_000);
    expect(await counter('opsbot_argocd_relists_total', { reason: 'gone' })).toBeGreaterThanOrEqual(1);
  });

  it('401 (a bad token) is reported once, and retried with backoff until it works', async () => {
    const reports: ArgocdError[] = [];
    const bad = new KubeConnection(withServer(opsbotKubeConfig(), env.kube.env.KUBE_APISERVER_URL!, 'not-a-valid-token'), 'bad token');
    const m = new Metrics();
    const w = new ApplicationWatcher({ kube: bad, namespaces: [ns], metrics: m, onForbidden: (e) => reports.push(e) });
    w.start();
    const restarts = async () =>
      (await (await m.registry.getSingleMetric('opsbot_argocd_watch_restarts_total')?.get())?.values.reduce((n, v) => n + v.value, 0)) ?? 0;
    const deadline = Date.now() + 8000;
    while ((await restarts()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await w.stop();
    expect(await restarts()).toBeGreaterThanOrEqual(3);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.code).toBe('E_KUBE_FORBIDDEN');
    expect(reports[0]?.message).toMatch(/rejected opsbot's credentials \(401\)/);
    console.info(`reported once: ${reports[0]?.message}`);
    expect(w.synced).toBe(false);
  });
});
