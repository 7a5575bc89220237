import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { eventually, get } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackApi, type SlackApiDouble } from '../support/slack-api.js';
import { adminKubeConfig, annotateApplication, createApplication, patchApplicationStatus, titled } from '../support/testenv.js';
import { at, operation, status } from './fixtures.js';
import { createNamespace, deleteNamespace, env as testEnv } from './kube-env.js';

/**
 * Subscriptions where Argo CD users put them (annotations on the Application) beside the
 * config's routes, driven through `opsbot start` against the real kube-apiserver and the Slack
 * stand-in. Bad annotations and a channel that does not exist cost a log line and a metric
 * (the message parked, listed, retried), never the other notifications nor the process. Routes
 * change by editing the file, without a restart. The Applications' statuses are written the way
 * Argo CD's controller writes them (the test environment's controller does not reconcile this
 * namespace).
 */
const TOKEN = 'xoxb-subscriptions';
const SUB = 'notifications.argoproj.io/subscribe.';

if (!testEnv.kube.available) console.warn(`subscription tests skipped: ${testEnv.kube.reason}`);

describe.skipIf(!testEnv.kube.available)(titled('Notification subscriptions on Applications, beside routes', testEnv.kube), () => {
  const admin = testEnv.kube.available ? adminKubeConfig() : undefined!;
  let redis: TestRedis;
  let slack: SlackApiDouble;
  let ns: string;
  let home: string;
  let configFile: string;
  let bot: OpsbotProcess;
  let env: NodeJS.ProcessEnv;
  let port: number;

  const routes = (extra = '') =>
    `argocd: { namespaces: [${ns}] }\nnotifications:\n  routes:\n    - { apps: [routed], triggers: [on-sync-succeeded], to: ['slack:C0ROUTED'] }\n${extra}`;
  const sync = async (name: string, round: number) => {
    const rev = String(round).repeat(40);
    await patchApplicationStatus(admin, ns, name, status({ sync: 'OutOfSync', revision: rev, op: operation('Running', rev, at(round * 10)) }));
    await patchApplicationStatus(
      admin,
      ns,
      name,
      status({ revision: rev, op: operation('Succeeded', rev, at(round * 10), at(round * 10 + 2)), reconciledAt: at(round * 10 + 3) }),
    );
  };
  const postedIn = (channel: string, text: string) => [...slack.messages.values()].filter((m) => m.channel === channel && m.text.includes(text));

  beforeAll(async () => {
    redis = await startRedis();
    slack = await startSlackApi({ token: TOKEN });
    slack.channelErrors.set('C0NOSUCH', 'channel_not_found');
    ns = await createNamespace('opsbot-subs');
    home = mkdtempSync(join(tmpdir(), 'opsbot-subs-'));
    configFile = join(home, 'opsbot.yaml');
    writeFileSync(configFile, routes());
    for (const name of ['subscribed', 'routed', 'nowhere']) {
      await createApplication(admin, ns, name);
      await patchApplicationStatus(admin, ns, name, status({}));
    }
    await annotateApplication(admin, ns, 'subscribed', {
      [`${SUB}on-sync-succeeded.slack`]: 'C0SUBSCRIBED',
      [`${SUB}on-sync-maybe.slack`]: 'C0SUBSCRIBED', // unknown trigger
      [`${SUB}on-sync-succeeded.email`]: 'team@example.com', // unknown service
      [`${SUB}on-sync-succeeded.telegram`]: 'not-a-chat-id', // malformed recipient
    });
    await annotateApplication(admin, ns, 'nowhere', { [`${SUB}on-sync-succeeded.slack`]: 'C0NOSUCH' });
    port = await freePort();
    env = baseEnv({
      REDIS_URL: redis.url,
      OPSBOT_CONFIG: configFile,
      OPSBOT_HOME: home,
      KUBECONFIG: testEnv.kube.env.OPSBOT_KUBECONFIG ?? testEnv.all.OPSBOT_KUBECONFIG,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: 'subs-secret',
      SLACK_API_URL: slack.url,
      SLACK_BOT_USER_ID: 'U0OPSBOT',
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    bot = new OpsbotProcess(['start', '--no-console'], { env });
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 90_000 });
    const client = new Redis(redis.url);
    await eventually(
      async () => (await client.keys('opsbot:argocd:notify:*:seen:on-sync-succeeded')).length === 3,
      'every app evaluated once',
      30_000,
    );
    client.disconnect();
  }, 150_000);
  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await slack?.close();
    await redis?.close();
    await deleteNamespace(ns);
    rmSync(home, { recursive: true, force: true });
  });

  it('an annotation subscribes beside the routes; bad annotations and a missing channel are logged, counted, parked — the rest delivered', async () => {
    for (const name of ['subscribed', 'routed', 'nowhere']) await sync(name, 1);
    await eventually(
      async () => postedIn('C0SUBSCRIBED', 'subscribed synced').length === 1 && postedIn('C0ROUTED', 'routed synced').length === 1,
      'subscribed and routed announced',
      60_000,
    );
    await eventually(async () => /message not delivered: parked/.test(bot.stderr), 'the missing channel parked', 60_000);
    expect(postedIn('C0NOSUCH', 'nowhere')).toEqual([]);
    for (const reason of ['unknown-trigger', 'unknown-service', 'bad-recipient'])
      expect(bot.stderr).toMatch(
        new RegExp(`notification subscription ignored.*"reason":"${reason}"|"reason":"${reason}".*notification subscription ignored`),
      );

    // Parked is acknowledged just after the log line: the backlog drops to 0 then.
    let metrics = '';
    await eventually(
      async () => (metrics = (await get(`http://127.0.0.1:${port}/metrics`)).text).includes('opsbot_outbox_backlog{platform="slack"} 0'),
      'backlog empty',
      15_000,
    );
    for (const reason of ['unknown-trigger', 'unknown-service', 'bad-recipient'])
      expect(metrics).toContain(`opsbot_notification_subscription_errors_total{reason="${reason}"} 1`);
    expect(metrics).toContain('opsbot_outbox_parked_total{platform="slack"} 1');
    expect(metrics).toContain('opsbot_outbox_parked{platform="slack"} 1');
    expect(metrics).toMatch(/opsbot_outbox_delivered_total\{platform="slack"\} [1-9]/);
    expect(metrics).toContain('opsbot_outbox_backlog{platform="slack"} 0');

    const listed = await runOpsbot(['outbox', 'parked'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/slack \S+ {2}slack:C0NOSUCH .*channel_not_found.*nowhere synced/);

    // The channel is fixed (the bot invited, the channel made): the parked message is retried, and delivered once.
    slack.channelErrors.delete('C0NOSUCH');
    const retried = await runOpsbot(['outbox', 'retry', '--all'], { env });
    expect(retried.stdout).toMatch(/^1 message\(s\) back in the outbox/);
    await eventually(async () => postedIn('C0NOSUCH', 'nowhere synced').length === 1, 'the parked message delivered after the retry', 30_000);
    expect((await runOpsbot(['outbox', 'parked'], { env })).stdout).toBe('no parked messages\n');
    expect(bot.child.exitCode).toBeNull(); // never a crash
  }, 180_000);

  it('routes change without a restart: a route added to the file applies to the next operation', async () => {
    writeFileSync(configFile, routes(`    - { apps: [nowhere], triggers: [on-sync-succeeded], to: ['slack:C0RELOADED'] }\n`));
    await bot.waitFor(/notification routes reloaded/, { stream: 'stderr', timeoutMs: 30_000 });
    await sync('nowhere', 2);
    await eventually(async () => postedIn('C0RELOADED', 'nowhere synced').length === 1, 'the new route used', 60_000);
    // A file that no longer validates keeps the routes in force.
    writeFileSync(configFile, 'notifications: { routes: [ { triggers: [no-such-trigger], to: [console] } ] }\n');
    await bot.waitFor(/config changed but is not valid/, { stream: 'stderr', timeoutMs: 30_000 });
    await sync('routed', 3);
    await eventually(async () => postedIn('C0ROUTED', 'routed synced').length === 2, 'the routes in force still used', 60_000);
    expect(bot.child.exitCode).toBeNull();
  }, 180_000);
});
