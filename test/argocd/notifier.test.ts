import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { routeSchema, TRIGGERS } from '../../src/core/config/schema.js';
import { ApplicationWatcher } from '../../src/argocd/application-watcher.js';
import { NotificationState } from '../../src/argocd/notification-state.js';
import { Notifier, type Announcement } from '../../src/argocd/notifier.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, createApplication, patchApplicationStatus, titled } from '../support/testenv.js';
import { createNamespace, deleteNamespace, env, opsbotConnection, startCutProxy, until, type CutProxy } from './kube-env.js';
import { REV_A, REV_B, at, operation, status } from './fixtures.js';

/**
 * The notifier against the real kube-apiserver, with Application statuses written by the test.
 * Why hand-written (the real loop's own announcements are in notify-loop.test.ts): these cases
 * need states on cue that Argo CD's controller makes only by chance — Running and Succeeded
 * coalesced into one watch event, an operation finishing exactly while the process is down or
 * the watch is cut, two replicas racing on one operation, a delivery failing mid-announcement.
 */

if (!env.kube.available) console.warn(`argocd notifier tests skipped: ${env.kube.reason}`);

const routes = [routeSchema.parse({ triggers: [...TRIGGERS], to: ['console'] })];
const REV_C = 'c'.repeat(40);

interface Instance {
  announced: Announcement[];
  stop(): Promise<void>;
  idle(): Promise<void>;
}

describe.skipIf(!env.kube.available)(titled('Notifier: exactly once, against the real kube-apiserver and Redis', env.kube), () => {
  const admin = env.kube.available ? adminKubeConfig() : undefined!;
  let redis: TestRedis;
  const clients: Redis[] = [];
  const namespaces: string[] = [];

  /** One opsbot replica: its own watcher, state and Redis connection. */
  async function instance(ns: string, server?: string, sink: Announcement[] = []): Promise<Instance> {
    const client = new Redis(redis.url);
    clients.push(client);
    const watcher = new ApplicationWatcher({ kube: opsbotConnection(server), namespaces: [ns] });
    const notifier = new Notifier({
      watcher,
      state: new NotificationState(client, { leaseMs: 2000 }),
      routes,
      announce: async (a) => void sink.push(a),
    });
    await notifier.start();
    watcher.start();
    await watcher.waitForSync();
    await notifier.idle();
    return {
      announced: sink,
      idle: () => notifier.idle(),
      async stop() {
        await watcher.stop();
        await notifier.stop();
        client.disconnect();
      },
    };
  }

  const names = (list: Announcement[]) => list.map((a) => `${a.app.name} ${a.trigger} ${a.app.operationState?.startedAt ?? ''}`.trim()).sort();
  /** Argo CD's application controller: an operation starts, then finishes and is reconciled. */
  const running = (ns: string, app: string, rev: string, t: number) =>
    patchApplicationStatus(admin, ns, app, status({ sync: 'OutOfSync', revision: rev, health: 'Progressing', op: operation('Running', rev, at(t)) }));
  const succeeded = (ns: string, app: string, rev: string, t: number, health = 'Healthy') =>
    patchApplicationStatus(
      admin,
      ns,
      app,
      status({ revision: rev, health, op: operation('Succeeded', rev, at(t), at(t + 2)), reconciledAt: at(t + 3) }),
    );
  const settle = async (...is: Instance[]) => {
    await new Promise((r) => setTimeout(r, 400));
    for (const i of is) await i.idle();
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.close();
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  it('first start is a baseline; later operations are announced once; across a restart nothing repeats and what finished while down is announced', async () => {
    const ns = await createNamespace('opsbot-notify');
    namespaces.push(ns);
    await createApplication(admin, ns, 'web');
    await succeeded(ns, 'web', REV_A, 1);
    await createApplication(admin, ns, 'db');
    await patchApplicationStatus(admin, ns, 'db', status({ health: 'Degraded', sync: 'Unknown' }));

    const first = await instance(ns);
    await settle(first);
    expect(first.announced).toEqual([]); // baseline: recorded, not announced

    await running(ns, 'web', REV_B, 10);
    await until('running announced', () => first.announced.length === 1);
    await succeeded(ns, 'web', REV_B, 10);
    await until('succeeded + deployed', () => first.announced.length === 3);
    await settle(first);
    expect(names(first.announced)).toEqual([`web on-deployed ${at(10)}`, `web on-sync-running ${at(10)}`, `web on-sync-succeeded ${at(10)}`]);
    expect(new Set(first.announced.map((a) => a.groupKey)).size).toBe(1); // one thread per operation
    await first.stop();

    // While opsbot is down: another operation runs AND finishes (Running never observed), and a new app appears.
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has 1 s resolution
    await running(ns, 'web', REV_C, 20);
    await succeeded(ns, 'web', REV_C, 20);
    await createApplication(admin, ns, 'api');

    const second = await instance(ns);
    await settle(second);
    expect(names(second.announced)).toEqual(['api on-created', `web on-deployed ${at(20)}`, `web on-sync-succeeded ${at(20)}`]);
    await second.stop();

    // A third start with nothing new: silence.
    const third = await instance(ns);
    await settle(third);
    expect(third.announced).toEqual([]);
    await third.stop();
  });

  it('two replicas on one Redis: each operation announced once in total', async () => {
    const ns = await createNamespace('opsbot-replicas');
    namespaces.push(ns);
    for (const n of ['a1', 'a2', 'a3']) {
      await createApplication(admin, ns, n);
      await patchApplicationStatus(admin, ns, n, status({}));
    }
    const sink: Announcement[] = [];
    const one = await instance(ns, undefined, sink);
    const two = await instance(ns, undefined, sink);
    for (let round = 0; round < 3; round++) {
      const rev = [REV_A, REV_B, REV_C][round]!;
      for (const n of ['a1', 'a2', 'a3']) {
        await running(ns, n, rev, 100 + round * 10);
        await succeeded(ns, n, rev, 100 + round * 10, n === 'a3' && round === 2 ? 'Degraded' : 'Healthy');
      }
    }
    // 3 on-created (the apps are newer than the first start) + 9 running + 9 succeeded + 8 deployed + 1 degraded
    await until('every operation announced', () => sink.length >= 30, 15_000);
    await settle(one, two);
    expect(sink).toHaveLength(30);
    const keys = sink.map((a) => a.key);
    expect(keys.length).toBe(new Set(keys).size); // no duplicates
    // 9 operations × (running, succeeded) + 8 deployed + 1 degraded
    expect(sink.filter((a) => a.trigger === 'on-sync-running')).toHaveLength(9);
    expect(sink.filter((a) => a.trigger === 'on-sync-succeeded')).toHaveLength(9);
    expect(sink.filter((a) => a.trigger === 'on-deployed')).toHaveLength(8);
    expect(sink.filter((a) => a.trigger === 'on-health-degraded').map((a) => a.app.name)).toEqual(['a3']);
    await one.stop();
    await two.stop();
  });

  it('Running and Succeeded coalesced into one change: Succeeded is still announced', async () => {
    const ns = await createNamespace('opsbot-coalesce');
    namespaces.push(ns);
    await createApplication(admin, ns, 'web');
    await patchApplicationStatus(admin, ns, 'web', status({}));
    const i = await instance(ns);
    // Created after the first start (the first test's), so it is new: its creation is announced.
    expect(names(i.announced)).toEqual(['web on-created']);
    await succeeded(ns, 'web', REV_B, 30); // straight from no operation to Succeeded
    await until('announced', () => i.announced.length === 3);
    await settle(i);
    expect(names(i.announced)).toEqual(['web on-created', `web on-deployed ${at(30)}`, `web on-sync-succeeded ${at(30)}`]);
    await i.stop();
  });

  it('watch stream cut mid-sync: the finish is announced once, nothing twice', async () => {
    const ns = await createNamespace('opsbot-cut');
    namespaces.push(ns);
    await createApplication(admin, ns, 'web');
    await patchApplicationStatus(admin, ns, 'web', status({}));
    const proxy: CutProxy = await startCutProxy(env.kube.env.KUBE_APISERVER_URL!);
    const i = await instance(ns, proxy.url);
    i.announced.length = 0; // its on-created
    await running(ns, 'web', REV_B, 40);
    await until('running', () => i.announced.length === 1);
    proxy.hold();
    await succeeded(ns, 'web', REV_B, 40, 'Degraded');
    await new Promise((r) => setTimeout(r, 300));
    proxy.resume();
    await until('after the cut', () => i.announced.length === 3, 20_000);
    await settle(i);
    expect(names(i.announced)).toEqual([`web on-health-degraded ${at(40)}`, `web on-sync-running ${at(40)}`, `web on-sync-succeeded ${at(40)}`]);
    const degraded = i.announced.find((a) => a.trigger === 'on-health-degraded')!;
    expect(degraded.message.status).toBe('failure');
    expect(degraded.destinations).toEqual(['console']);
    await i.stop();
    await proxy.close();
  });

  it('an announcement that fails stays owed and goes out later, once', async () => {
    const ns = await createNamespace('opsbot-retry');
    namespaces.push(ns);
    await createApplication(admin, ns, 'web');
    await patchApplicationStatus(admin, ns, 'web', status({}));
    const client = new Redis(redis.url);
    clients.push(client);
    const sent: Announcement[] = [];
    let failures = 1;
    const watcher = new ApplicationWatcher({ kube: opsbotConnection(), namespaces: [ns] });
    const notifier = new Notifier({
      watcher,
      state: new NotificationState(client),
      routes: [routeSchema.parse({ triggers: ['on-sync-failed'], to: ['console'] })],
      retryMs: 200,
      announce: async (a) => {
        if (failures-- > 0) throw new Error('chat platform down');
        sent.push(a);
      },
    });
    await notifier.start();
    watcher.start();
    await watcher.waitForSync();
    await patchApplicationStatus(
      admin,
      ns,
      'web',
      status({ sync: 'OutOfSync', op: operation('Failed', REV_B, at(50), at(52), 'hook failed'), reconciledAt: at(53) }),
    );
    await until('retried', () => sent.length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(sent.map((a) => a.trigger)).toEqual(['on-sync-failed']);
    expect(sent[0]?.message.text).toBe('hook failed');
    await watcher.stop();
    await notifier.stop();
  });
});
