import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { eventually } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackApi, type PostedMessage, type SlackApiDouble } from '../support/slack-api.js';
import { shownOutcomes, slackChannelMessages, slackChannelView, telegramChatView } from '../support/notification-view.js';
import { startTelegramApi, type StoredMessage, type TelegramApiDouble } from '../support/telegram-api.js';
import { adminKubeConfig, createApplication, patchApplicationStatus, titled } from '../support/testenv.js';
import { at, operation, status } from './fixtures.js';
import { createNamespace, deleteNamespace, env as testEnv } from './kube-env.js';

/**
 * How Argo CD notifications look in Slack and Telegram, driven from the outside: Applications'
 * statuses written on the real kube-apiserver (as Argo CD's controller writes them), a real
 * `opsbot start` with Redis, and the platforms' stand-ins enforcing their limits (Slack: one post
 * per second per channel, 429 with Retry-After past it; Telegram: one message per second per
 * chat, 20 per minute per group, 429 with parameters.retry_after).
 *
 * - One message per operation: its first notification posts it, later ones edit it to the
 *   latest state and add the details in its thread; a failure is broadcast to the channel.
 * - A burst into one conversation is folded into one digest message, edited as it grows:
 *   every app's outcome visible, failures first, far fewer messages than apps, none twice.
 */
const SLACK_TOKEN = 'xoxb-notification-messages';
const TG_TOKEN = '123456:notification-messages';
const SLACK_CHANNEL = 'C0OPSNOTE';
const SLACK_BURST = 'C0BURST';
/** Telegram groups have negative ids: 1/s and 20/min apply. */
const TG_CHAT = '-1001234567';
const TG_BURST = '-1007654321';
const BURST = 60;
const FAILING = new Set([7, 23, 41]);
const rev = (n: number) => String(n).repeat(40).slice(0, 40);
const burstApp = (i: number) => `burst-${String(i).padStart(2, '0')}`;

if (!testEnv.kube.available) console.warn(`notification message tests skipped: ${testEnv.kube.reason}`);

describe.skipIf(!testEnv.kube.available)(
  titled('Notifications in Slack and Telegram: one message per operation, bursts folded', testEnv.kube),
  () => {
    const admin = testEnv.kube.available ? adminKubeConfig() : undefined!;
    let redis: TestRedis;
    let slack: SlackApiDouble;
    let telegram: TelegramApiDouble;
    let ns: string;
    let home: string;
    let bot: OpsbotProcess | undefined;

    beforeAll(async () => {
      redis = await startRedis();
      slack = await startSlackApi({ token: SLACK_TOKEN, postsPerChannelPerSecond: { burst: 1 } });
      telegram = await startTelegramApi({ token: TG_TOKEN, limits: true });
      ns = await createNamespace('opsbot-note');
      home = mkdtempSync(join(tmpdir(), 'opsbot-note-'));
      await createApplication(admin, ns, 'web-a');
      await patchApplicationStatus(
        admin,
        ns,
        'web-a',
        status({ revision: rev(1), op: operation('Succeeded', rev(1), at(0), at(1)), reconciledAt: at(2) }),
      );
      for (let i = 0; i < BURST; i++) {
        await createApplication(admin, ns, burstApp(i));
        await patchApplicationStatus(
          admin,
          ns,
          burstApp(i),
          status({ revision: rev(1), op: operation('Succeeded', rev(1), at(0), at(1)), reconciledAt: at(2) }),
        );
      }
      const config = writeConfig(`argocd: { namespaces: [${ns}] }
notifications:
  routes:
    - { apps: [web-a], triggers: [on-sync-running, on-sync-succeeded, on-sync-failed], to: ['slack:${SLACK_CHANNEL}', 'telegram:${TG_CHAT}'] }
    - { apps: ['burst-*'], triggers: [on-sync-running, on-sync-succeeded, on-sync-failed], to: ['slack:${SLACK_BURST}', 'telegram:${TG_BURST}'] }
`);
      const port = await freePort();
      bot = new OpsbotProcess(['start', '--no-console'], {
        env: baseEnv({
          REDIS_URL: redis.url,
          OPSBOT_CONFIG: config,
          OPSBOT_HOME: home,
          KUBECONFIG: testEnv.kube.env.OPSBOT_KUBECONFIG ?? testEnv.all.OPSBOT_KUBECONFIG,
          SLACK_BOT_TOKEN: SLACK_TOKEN,
          SLACK_SIGNING_SECRET: 'notification-messages-secret',
          SLACK_API_URL: slack.url,
          SLACK_BOT_USER_ID: 'U0OPSBOT',
          TELEGRAM_BOT_TOKEN: TG_TOKEN,
          TELEGRAM_API_ROOT: telegram.url,
          PORT: String(port),
          LOG_LEVEL: 'info',
        }),
      });
      await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 240_000 });
      // The first start takes what holds as its baseline: wait until every app was evaluated once.
      const client = new Redis(redis.url);
      await eventually(
        async () => (await client.keys('opsbot:argocd:notify:*:seen:on-sync-succeeded')).length === BURST + 1,
        'every app evaluated once',
        60_000,
      );
      client.disconnect();
    }, 300_000);

    afterAll(async () => {
      await bot?.stop('SIGKILL');
      await slack?.close();
      await telegram?.close();
      await redis?.close();
      if (ns) await deleteNamespace(ns);
      if (home) rmSync(home, { recursive: true, force: true });
    });

    /** What the channel shows: top-level messages and replies broadcast to it (their latest version), oldest first. */
    const inChannel = (channel: string): PostedMessage[] => slackChannelMessages(slack, channel);
    const repliesTo = (head: PostedMessage): PostedMessage[] => [...slack.messages.values()].filter((m) => m.thread_ts === head.ts);
    const tgChat = (chat: string): StoredMessage[] => telegram.messages.get(chat) ?? [];

    it('one message per operation: edited running → succeeded, details in its thread; a failure also shows in the channel', async () => {
      // Operation 1: running, then (once that is out) succeeded.
      await patchApplicationStatus(
        admin,
        ns,
        'web-a',
        status({ sync: 'OutOfSync', health: 'Progressing', revision: rev(2), op: operation('Running', rev(2), at(10)) }),
      );
      await eventually(async () => inChannel(SLACK_CHANNEL).length === 1 && tgChat(TG_CHAT).length === 1, 'the operation posted', 30_000);
      await patchApplicationStatus(
        admin,
        ns,
        'web-a',
        status({ revision: rev(2), op: operation('Succeeded', rev(2), at(10), at(12)), reconciledAt: at(13) }),
      );
      const head1 = inChannel(SLACK_CHANNEL)[0]!;
      await eventually(async () => repliesTo(head1).length === 1, 'the success in its thread', 30_000);
      // What the message showed, in turn (a retry after a 429 on the reply edits it again to the same text).
      const shown = head1.versions.map((v) => v.text.split('\n')[0]).filter((t, k, all) => t !== all[k - 1]);
      expect(shown).toEqual([expect.stringContaining('web-a is syncing'), expect.stringContaining('web-a synced')]);
      expect(repliesTo(head1)[0]!.text).toContain('web-a synced');
      expect(repliesTo(head1)[0]!.reply_broadcast).toBeUndefined();
      const tgHead1 = tgChat(TG_CHAT)[0]!;
      await eventually(
        async () => tgChat(TG_CHAT).length === 2 && tgHead1.text!.includes('web-a synced'),
        'Telegram: the message edited, the details as a reply',
        30_000,
      );
      expect(tgChat(TG_CHAT)[1]).toMatchObject({ reply_to: tgHead1.message_id });

      // Operation 2: running, then failed: a new message, edited to the failure, which is also broadcast.
      await patchApplicationStatus(
        admin,
        ns,
        'web-a',
        status({ sync: 'OutOfSync', health: 'Progressing', revision: rev(3), op: operation('Running', rev(3), at(20)) }),
      );
      await eventually(async () => inChannel(SLACK_CHANNEL).length === 2 && tgChat(TG_CHAT).length === 3, 'the second operation posted', 30_000);
      await patchApplicationStatus(
        admin,
        ns,
        'web-a',
        status({
          sync: 'OutOfSync',
          health: 'Degraded',
          revision: rev(3),
          op: operation('Failed', rev(3), at(20), at(21), 'one or more objects failed to apply'),
          reconciledAt: at(22),
        }),
      );
      await eventually(
        async () => inChannel(SLACK_CHANNEL).length === 3 && tgChat(TG_CHAT).length === 4,
        'the failure in the thread and the channel',
        30_000,
      );
      const [, head2, broadcast] = inChannel(SLACK_CHANNEL);
      expect(head2!.text).toContain('web-a failed to sync');
      expect(broadcast).toMatchObject({ thread_ts: head2!.ts, reply_broadcast: true });
      expect(broadcast!.text).toContain('failed to apply');
      const tgHead2 = tgChat(TG_CHAT)[2]!;
      expect(tgHead2.text).toContain('web-a failed to sync');
      expect(tgChat(TG_CHAT)[3]).toMatchObject({ reply_to: tgHead2.message_id });
      expect(tgChat(TG_CHAT)[3]!.text).toContain('failed to apply');
      // Each notification once: no metadata id twice, no more writes than notifications.
      const ids = [...slack.messages.values()].map((m) => m.metadata?.event_payload.opsbot_id).filter((id) => id !== undefined);
      expect(ids.filter((id, k) => ids.indexOf(id) !== k)).toEqual([]);
      expect([...slack.messages.values()].filter((m) => m.channel === SLACK_CHANNEL)).toHaveLength(4);
    }, 180_000);

    it(`a burst of ${BURST} Applications into one channel: one digest edited as it grows, failures first, every outcome visible, none twice`, async () => {
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: BURST }, async (_, i) => {
          await patchApplicationStatus(
            admin,
            ns,
            burstApp(i),
            status({ sync: 'OutOfSync', health: 'Progressing', revision: rev(2), op: operation('Running', rev(2), at(30 + i)) }),
          );
          const done = FAILING.has(i)
            ? status({
                sync: 'OutOfSync',
                health: 'Degraded',
                revision: rev(2),
                op: operation('Failed', rev(2), at(30 + i), at(31 + i), `hook ${burstApp(i)}-migrate failed`),
                reconciledAt: at(32 + i),
              })
            : status({ revision: rev(2), op: operation('Succeeded', rev(2), at(30 + i), at(31 + i)), reconciledAt: at(32 + i) });
          await patchApplicationStatus(admin, ns, burstApp(i), done);
        }),
      );
      const outcome = (i: number) => (FAILING.has(i) ? 'failed to sync' : 'synced');
      const slackVisible = () => slackChannelView(slack, SLACK_BURST);
      const tgVisible = () => telegramChatView(telegram, TG_BURST);
      const missing = (all: () => string) => {
        const shown = shownOutcomes(all(), ['synced', 'failed to sync']);
        return Array.from({ length: BURST }, (_, i) => i).filter((i) => !shown.has(`${burstApp(i)} ${outcome(i)}`));
      };
      await eventually(async () => missing(slackVisible).length === 0, 'every outcome visible in the Slack channel', 120_000).catch((err: Error) => {
        throw new Error(`${err.message}: missing ${missing(slackVisible).map(burstApp).join(', ')}\n${slackVisible().slice(0, 3000)}`);
      });
      const slackMs = Date.now() - t0;
      await eventually(async () => missing(tgVisible).length === 0, 'every outcome visible in the Telegram group', 180_000).catch((err: Error) => {
        throw new Error(`${err.message}: missing ${missing(tgVisible).map(burstApp).join(', ')}\n${tgVisible().slice(0, 3000)}`);
      });
      const tgMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 3000)); // room for a late duplicate to show

      const posts = inChannel(SLACK_BURST);
      const digests = posts.filter((m) => /Argo CD Applications:/.test(m.text));
      console.log(
        `observed: ${BURST} apps (${FAILING.size} failing), 2 notifications each: Slack all visible after ${slackMs} ms in ${posts.length} channel message(s) ` +
          `(${digests.length} digest(s), edited ${digests.map((d) => d.versions.length - 1).join('/')} time(s)), ${slack.callsOf('chat.postMessage').filter((c) => c.args.channel === SLACK_BURST && c.answer === '429').length} post(s) answered 429; ` +
          `Telegram after ${tgMs} ms in ${tgChat(TG_BURST).length} message(s); latest digest: ${JSON.stringify(digests.at(-1)?.text.slice(0, 300))}`,
      );
      expect(posts.length).toBeLessThan(BURST / 5);
      expect(tgChat(TG_BURST).length).toBeLessThan(BURST / 5);
      // Failures first, each with what went wrong.
      const latest = digests.at(-1)!.text;
      for (const i of FAILING) {
        expect(latest).toContain(`✖ ${burstApp(i)} failed to sync: hook ${burstApp(i)}-migrate failed`);
        expect(latest.indexOf(`✖ ${burstApp(i)} failed`)).toBeLessThan(latest.indexOf('✔ synced ('));
      }
      // No notification posted twice (by its metadata id), and no app shown with two outcomes.
      const ids = [...slack.messages.values()].map((m) => m.metadata?.event_payload.opsbot_id).filter((id) => id !== undefined);
      expect(ids.filter((id, k) => ids.indexOf(id) !== k)).toEqual([]);
      const outbox = new Redis(redis.url);
      const pending = await outbox.xpending('opsbot:outbox:slack', 'delivery');
      outbox.disconnect();
      expect(pending[0]).toBe(0);
    }, 400_000);
  },
);
