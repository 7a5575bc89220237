import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { at, operation, status } from '../argocd/fixtures.js';
import { createNamespace, deleteNamespace, env as testEnv } from '../argocd/kube-env.js';
import { baseEnv, OpsbotProcess } from './cli.js';
import { writeConfig } from './config.js';
import { eventually } from './http.js';
import { freePort } from './ports.js';
import { startRedis, type TestRedis } from './redis.js';
import { SLACK_UPDATES_PER_MINUTE, startSlackApi, type SlackApiDouble } from './slack-api.js';
import { adminKubeConfig, createApplication, patchApplicationStatus } from './testenv.js';

/**
 * What the notification fault tests share: a Redis, the Slack stand-in enforcing Slack's limits
 * (posts: one per second per channel; chat.update: 50 per minute, or `updatesPerMinute`; 429 +
 * Retry-After past them), a namespace of Applications on
 * the real kube-apiserver, and `opsbot start` processes notifying through them. What it starts is
 * stopped by the `cleanups` it is given (run them in reverse).
 */
export interface NotifyRig {
  slack: SlackApiDouble;
  ns: string;
  redis: TestRedis;
  env: (port: number) => NodeJS.ProcessEnv;
  cleanups: (() => Promise<void>)[];
}

/** The status Argo CD's controller writes for an operation that ran at `rev`: Succeeded and reconciled (or Failed with `failure`). */
export function finishedStatus(rev: string, startedSeconds: number, failure?: string): Record<string, unknown> {
  return failure
    ? status({
        sync: 'OutOfSync',
        health: 'Degraded',
        revision: rev,
        op: operation('Failed', rev, at(startedSeconds), at(startedSeconds + 1), failure),
        reconciledAt: at(startedSeconds + 2),
      })
    : status({ revision: rev, op: operation('Succeeded', rev, at(startedSeconds), at(startedSeconds + 1)), reconciledAt: at(startedSeconds + 2) });
}

export async function notifyRig(o: {
  prefix: string;
  token: string;
  apps: string[];
  initial: Record<string, unknown>;
  routes: string;
  cleanups: (() => Promise<void>)[];
  updatesPerMinute?: number;
}): Promise<NotifyRig> {
  const admin = adminKubeConfig();
  const redis = await startRedis();
  const slack = await startSlackApi({
    token: o.token,
    postsPerChannelPerSecond: { burst: 1 },
    updatesPerMinute: o.updatesPerMinute ?? SLACK_UPDATES_PER_MINUTE,
  });
  const ns = await createNamespace(o.prefix);
  const home = mkdtempSync(join(tmpdir(), `${o.prefix}-`));
  o.cleanups.push(
    () => redis.close(),
    () => slack.close(),
    () => deleteNamespace(ns),
    async () => rmSync(home, { recursive: true, force: true }),
  );
  for (const app of o.apps) {
    await createApplication(admin, ns, app);
    await patchApplicationStatus(admin, ns, app, o.initial);
  }
  const config = writeConfig(`argocd: { namespaces: [${ns}] }\nnotifications:\n  routes:\n${o.routes}\n`);
  const env = (port: number) =>
    baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: config,
      OPSBOT_HOME: home,
      KUBECONFIG: testEnv.kube.env.OPSBOT_KUBECONFIG ?? testEnv.all.OPSBOT_KUBECONFIG,
      SLACK_BOT_TOKEN: o.token,
      SLACK_SIGNING_SECRET: `${o.prefix}-signing-secret`,
      SLACK_API_URL: slack.url,
      SLACK_BOT_USER_ID: 'U0OPSBOT',
      PORT: String(port),
      // A killed worker's notify job is taken over after its lock expires: keep that short here.
      OPSBOT_JOB_LOCK_MS: '4000',
      LOG_LEVEL: 'info',
    });
  return { slack, ns, redis, env, cleanups: o.cleanups };
}

/** What a notification fault suite started (give it to `notifyRig`): stopped after all its tests, in reverse. */
export function notifySuite(): { cleanups: (() => Promise<void>)[] } {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });
  return { cleanups };
}

/** One operation of `app` as Argo CD's controller writes it: Running at `rev`, then finished (Failed with `failure`). */
export async function syncApplication(r: NotifyRig, app: string, rev: string, startedSeconds: number, failure?: string): Promise<void> {
  const admin = adminKubeConfig();
  await patchApplicationStatus(
    admin,
    r.ns,
    app,
    status({ sync: 'OutOfSync', health: 'Progressing', revision: rev, op: operation('Running', rev, at(startedSeconds)) }),
  );
  await patchApplicationStatus(admin, r.ns, app, finishedStatus(rev, startedSeconds, failure));
}

/** One notifying `opsbot start`, up (killed by the rig's cleanups if the test does not stop it). */
export async function startNotifying(r: NotifyRig): Promise<OpsbotProcess> {
  const bot = new OpsbotProcess(['start', '--no-console'], { env: r.env(await freePort()) });
  r.cleanups.push(async () => void (await bot.stop('SIGKILL')));
  // Generous: a process start took 13 s on this 2-core machine at rest, and over 90 s at a load average of 25.
  await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 240_000 });
  return bot;
}

/** Every app has been evaluated once (its "seen" marker is in Redis): the baseline is laid, later operations are news. */
export async function baselineLaid(r: NotifyRig, apps: number): Promise<void> {
  const client = new Redis(r.redis.url);
  try {
    await eventually(
      async () => (await client.keys('opsbot:argocd:notify:*:seen:on-sync-succeeded')).length === apps,
      'every app evaluated once',
      60_000,
    );
  } finally {
    client.disconnect();
  }
}

/**
 * What Redis holds about the operations at `revision` that are not (or not yet) announced: the
 * notifier's memory (sent keys not 'announced'), each notify job's state, what waits in the Slack
 * outbox, parked messages. For a failing round's message: where an announcement stopped.
 */
export async function notifyDiagnosis(r: NotifyRig, revision: string): Promise<string> {
  const client = new Redis(r.redis.url);
  try {
    const out: string[] = [];
    for (const k of await client.keys(`opsbot:argocd:notify:*:sent:*${revision}*`)) {
      const v = await client.get(k);
      if (v !== 'announced') out.push(`memory ${k} = ${v} (pttl ${await client.pttl(k)})`);
    }
    for (const k of await client.keys('opsbot:notify:u-*')) {
      if ((await client.type(k)) !== 'hash') continue;
      const job = await client.hgetall(k);
      if (!job.data?.includes(revision)) continue;
      const data = JSON.parse(job.data) as { target?: string };
      const id = k.split(':').pop() ?? '';
      const where = [];
      for (const list of ['wait', 'active', 'delayed', 'paused']) if ((await client.lpos(`opsbot:notify:${list}`, id)) !== null) where.push(list);
      for (const set of ['completed', 'failed', 'delayed', 'prioritized'])
        if ((await client.zscore(`opsbot:notify:${set}`, id)) !== null) where.push(set);
      if (where.join() !== 'completed')
        out.push(
          `job ${id} ${data.target ?? ''}: ${where.join(',') || 'in no list'} attempts ${job.atm ?? 0} stalled ${job.stc ?? 0} ${job.failedReason ?? ''}`,
        );
    }
    const pending = (await client.xpending('opsbot:outbox:slack', 'delivery').catch(() => [])) as unknown[];
    out.push(`outbox pending ${JSON.stringify(pending)}; delivery lease ${await client.get('opsbot:lock:delivery:slack')}`);
    out.push(`parked ${JSON.stringify(await client.hkeys('opsbot:outbox:parked:slack'))}`);
    return out.join('\n');
  } finally {
    client.disconnect();
  }
}
