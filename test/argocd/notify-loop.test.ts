/**
 * Notifications from the real GitOps loop: Argo CD's own controller syncs an Application (or
 * fails to), and the notifying `opsbot start` announces `on-deployed` and `on-sync-failed` once
 * per operation — across a restart in between. No test writes the Application's status: the
 * operations, their phases, messages and times are the controller's. A failed automated sync is
 * retried by Argo CD (Running again, the failed attempt's message kept) before it is Failed: only
 * the final failure is announced.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatedApplication, deployment, refusedDeployment, webAppConfig, type IsolatedApplication } from '../support/argocd-app.js';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { eventually } from '../support/http.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { testenv, titled } from '../support/testenv.js';

const env = testenv();
const STREAM = 'opsbot:outbox:console:notifications';

interface Announced {
  key: string;
  message: { title?: string; text?: string; fields?: { label: string; value: string }[] };
}

describe.skipIf(!env.argocd.available)(titled('notifications from the real GitOps loop', env.argocd), () => {
  let redis: TestRedis;
  let app: IsolatedApplication;
  let reader: Redis;
  let opsbotEnv: NodeJS.ProcessEnv;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    reader = new Redis(redis.url);
    // One retry, 1 s apart: the failed sync passes through Argo CD's retry (Running, with the
    // attempt's failure as its message) before it is Failed, in seconds rather than minutes.
    app = await createIsolatedApplication({
      prefix: 'notify',
      files: { 'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.0' }) },
      retry: { limit: 1, backoff: { duration: '1s', factor: 1, maxDuration: '1s' } },
    });
    await app.waitFor('Synced and Healthy', (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy', 90_000);
    opsbotEnv = baseEnv({
      REDIS_URL: redis.url,
      KUBECONFIG: env.kube.env.OPSBOT_KUBECONFIG,
      OPSBOT_HOME: tempDir('opsbot-notify-loop-'),
      OPSBOT_CONFIG: writeConfig(
        webAppConfig(
          app,
          `notifications:\n  routes:\n    - apps: [${app.name}]\n      triggers: [on-sync-succeeded, on-deployed, on-sync-failed]\n      to: [console]\n`,
        ),
      ),
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    reader?.disconnect();
    await app?.delete();
    await redis?.close();
  });

  const announced = async (): Promise<Announced[]> => (await reader.xrange(STREAM, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as Announced);
  const about = (all: Announced[], verb: string) => all.filter((a) => a.message.title === `${app.name} ${verb}`);
  const startBot = async () => {
    const bot = new OpsbotProcess(['start', '--no-console'], { env: { ...opsbotEnv, PORT: '0', LOG_LEVEL: 'info' } });
    procs.push(bot);
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });
    return bot;
  };

  it("on-sync-succeeded once (on-deployed at most once) for a sync the controller made; on-sync-failed once, after Argo CD's retries, for one it could not apply; nothing again after a restart", async () => {
    let bot = await startBot();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await announced()).toEqual([]); // the synced state found at the first start is the baseline

    const good = await app.commit({ 'web.yaml': deployment({ name: 'web', image: 'ghcr.io/example/web:1.0.1' }) }, 'web 1.0.1');
    await app.refresh();
    const synced = await app.waitFor(
      'synced and healthy at the new commit',
      (a) => a.status?.sync?.revision === good && a.status.operationState?.phase === 'Succeeded' && a.status.health?.status === 'Healthy',
      90_000,
    );
    await eventually(async () => about(await announced(), 'synced').length >= 1, 'on-sync-succeeded announced', 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const succeeded = about(await announced(), 'synced');
    expect(succeeded).toHaveLength(1);
    expect(JSON.stringify(succeeded[0]!.message.fields)).toContain(good.slice(0, 7));
    // Argo CD's catalog says on-deployed only when health turned Healthy after the sync finished
    // (health.lastTransitionTime ≥ finishedAt). kwok rolls out so fast that the controller can
    // stay Healthy throughout — then Argo CD's own notifications would not say it either.
    const deployed = about(await announced(), 'is deployed: synced and healthy');
    expect(deployed.length).toBeLessThanOrEqual(1);
    for (const d of deployed) expect(JSON.stringify(d.message.fields)).toContain(good.slice(0, 7));
    expect(synced.status?.operationState?.syncResult?.revision).toBe(good);

    // The next commit is one the kube-apiserver refuses: Argo CD's automated sync fails, retries
    // (Running again, the attempt's failure as its message), then fails for good.
    const bad = await app.commit({ 'web.yaml': refusedDeployment('web') }, 'web: a container name the API refuses');
    await app.refresh();
    const retrying = await app.waitFor(
      'retrying the refused commit',
      (a) => /Retrying attempt/.test(a.status?.operationState?.message ?? '') || a.status?.operationState?.phase === 'Failed',
      90_000,
    );
    if (retrying.status?.operationState?.phase !== 'Failed') expect(about(await announced(), 'failed to sync')).toEqual([]); // not while Argo CD still retries
    const failed = await app.waitFor(
      'a failed sync of the refused commit',
      (a) => a.status?.operationState?.phase === 'Failed' || a.status?.operationState?.phase === 'Error',
      90_000,
    );
    expect(failed.status?.operationState?.syncResult?.revision ?? bad).toBe(bad);
    expect(failed.status?.operationState?.message).toMatch(/failed to apply/);
    await eventually(async () => about(await announced(), 'failed to sync').length >= 1, 'on-sync-failed announced', 30_000);

    // A restart: the controller keeps reconciling (refreshes; the failed automated sync is not
    // tried again), and the new process owes nothing.
    await bot.stop();
    bot = await startBot();
    await app.refresh();
    await new Promise((r) => setTimeout(r, 4000));
    const all = await announced();
    const failures = about(all, 'failed to sync');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message.text ?? '').toContain(failed.status?.operationState?.message ?? '(no message)');
    expect(JSON.stringify(failures[0]!.message.fields)).toContain(bad.slice(0, 7));
    expect(about(all, 'is deployed: synced and healthy')).toEqual(deployed);
    expect(about(all, 'synced')).toHaveLength(1);
    expect(all).toHaveLength(2 + deployed.length);
    await bot.stop();
  }, 300_000);
});
