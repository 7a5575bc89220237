/**
 * A burst into ONE channel: N Applications on the real kube-apiserver (a namespace of our own)
 * all sync at once (1 in 100 fails), routed to one Slack channel whose stand-in answers 429 past
 * one post per second in a channel, as Slack does. A real `opsbot start` watches them. Measured at
 * the stand-in, where a reader would look: the time from the first status patch until every
 * app's final outcome is visible in the channel (its messages as they are now, and the files
 * shared in it), and the messages used (posts, edits, files). Meanwhile a `/deploy` is sent in
 * another channel: the time from the slash command to the job's first message there, against
 * the same /deploy with no burst.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { baseEnv, OpsbotProcess } from '../test/support/cli.js';
import { tempDir, writeConfig } from '../test/support/config.js';
import { freePort } from '../test/support/ports.js';
import { startRedis } from '../test/support/redis.js';
import { startSlackApi, type SlackApiDouble } from '../test/support/slack-api.js';
import { shownOutcomes, slackChannelMessages, slackChannelView } from '../test/support/notification-view.js';
import { adminKubeConfig, patchApplicationStatus } from '../test/support/testenv.js';
import { createNamespace, deleteNamespace, env as kubeEnv } from '../test/argocd/kube-env.js';
import { at, operation, status } from '../test/argocd/fixtures.js';
import { createBareRepo } from '../test/gitops/bare-repo.js';
import { kustomization, WEB_STAGING_APP } from '../test/slack/slack-harness.js';
import { postToSlackEvents, slashCommandBody } from '../test/slack/slack-requests.js';
import { createSyncedApplications } from './notifications.js';
import { inPool } from './pool.js';
import { row, waitUntil, type BenchOptions, type BenchResult } from './stats.js';

const TOKEN = 'xoxb-bench-burst';
const SECRET = 'bench-burst-signing-secret-0123456789';
const BURST_CHANNEL = 'C0BURST';
const DEPLOY_CHANNEL = 'C0DEPLOYS';
/** The Applications start synced at revision 1 (createSyncedApplications); the burst syncs revision 2. */
const rev = (n: number) => n.toString(16).padStart(40, '0');

/** /deploy in the deploy channel: ms from the slash command to the job's first message posted there. */
async function deployReply(slack: SlackApiDouble, base: string, tag: string): Promise<number> {
  const posted = () => slack.callsOf('chat.postMessage').filter((c) => c.args.channel === DEPLOY_CHANNEL && c.answer === 'ok').length;
  const before = posted();
  const t0 = performance.now();
  const body = slashCommandBody({
    command: '/deploy',
    text: `web ${tag} staging`,
    user: 'U0ALICE',
    channel: DEPLOY_CHANNEL,
    responseUrl: slack.responseUrl(`deploy-${tag}`),
  });
  const res = await postToSlackEvents(base, body, { secret: SECRET });
  if (res.status !== 200) throw new Error(`/deploy answered ${res.status}: ${res.text}`);
  await waitUntil(`the /deploy ${tag} reply`, () => posted() > before, 120_000, 10);
  return performance.now() - t0;
}

export async function notificationBurst(opts: BenchOptions): Promise<BenchResult[]> {
  if (!kubeEnv.kube.available) throw new Error(`no kube-apiserver: ${kubeEnv.kube.reason ?? ''} (npm run testenv)`);
  const n = opts.quick ? 300 : 2000;
  const admin = adminKubeConfig();
  const api = admin.makeApiClient(CustomObjectsApi);
  const redis = await startRedis({ appendonly: false });
  const slack = await startSlackApi({ token: TOKEN, postsPerChannelPerSecond: { burst: 1 } });
  const repo = await createBareRepo({ 'apps/web/overlays/staging/kustomization.yaml': kustomization('1.4.2') });
  const ns = await createNamespace('opsbot-bench-burst');
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const names = Array.from({ length: n }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  const fails = (i: number) => i % 100 === 42;
  let bot: OpsbotProcess | undefined;
  try {
    await createSyncedApplications(api, ns, names);
    const port = await freePort();
    const config = writeConfig(`gitops: { url: ${repo.bare} }
argocd: { namespaces: [${ns}], followTimeout: 5s }
${WEB_STAGING_APP}chat:
  slack: { teamId: T0EXAMPLE, channels: [${DEPLOY_CHANNEL}] }
access:
  rules:
    - subjects: ["slack:U0ALICE"]
      actions: [deploy]
notifications:
  routes:
    - { apps: ['app-*'], triggers: [on-sync-running, on-sync-succeeded, on-sync-failed], to: ['slack:${BURST_CHANNEL}'] }
`);
    bot = new OpsbotProcess(['start', '--no-console'], {
      env: baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        OPSBOT_HOME: tempDir('opsbot-bench-burst-'),
        KUBECONFIG: kubeEnv.kube.env.OPSBOT_KUBECONFIG ?? '',
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        SLACK_BOT_USER_ID: 'U0OPSBOT',
        PORT: String(port),
        LOG_LEVEL: 'info',
      }),
    });
    await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 120_000 });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(
      'every app evaluated once (the baseline)',
      async () => (await client.keys('opsbot:argocd:notify:*:seen:on-sync-succeeded')).length >= n,
      120_000,
      250,
    );

    // The same /deploy with nothing else going on (the first one warms the process up).
    await deployReply(slack, base, '1.5.0');
    const quiet = [await deployReply(slack, base, '1.5.1'), await deployReply(slack, base, '1.5.2')];
    const quietMs = Math.min(...quiet);

    const started = Date.now();
    const startedAt = at(10);
    const patching = inPool(names, 16, async (name) => {
      const i = Number(name.slice(4));
      await patchApplicationStatus(
        admin,
        ns,
        name,
        status({ sync: 'OutOfSync', revision: rev(2), health: 'Progressing', op: operation('Running', rev(2), startedAt) }),
      );
      const done = fails(i)
        ? status({
            sync: 'OutOfSync',
            health: 'Degraded',
            revision: rev(2),
            op: operation('Failed', rev(2), startedAt, at(12), `hook ${name}-migrate failed`),
            reconciledAt: at(13),
          })
        : status({ revision: rev(2), op: operation('Succeeded', rev(2), startedAt, at(12)), reconciledAt: at(13) });
      await patchApplicationStatus(admin, ns, name, done);
    });
    // When the last of the 2 × n notifications reached the Slack outbox: what is left after it is delivery's.
    let inOutboxMs = NaN;
    let seen = 0;
    let after = '-';
    const outboxWatch = waitUntil(
      'every notification in the outbox',
      async () => {
        // Read on from where the last look ended: only the burst channel's entries count.
        for (const [id, f] of await client.xrange('opsbot:outbox:slack', after, '+')) {
          after = `(${id}`;
          if ((f[1] ?? '').includes(`"channel":"${BURST_CHANNEL}"`)) seen++;
        }
        return seen >= 2 * n;
      },
      600_000,
      100,
    )
      .then(() => (inOutboxMs = Date.now() - started))
      .catch(() => undefined);
    // A /deploy in another channel while the burst is delivered.
    await new Promise((r) => setTimeout(r, 2000));
    const duringMs = await deployReply(slack, base, '1.6.0');
    await patching;
    const patchedMs = Date.now() - started;
    const missing = () => {
      const shown = shownOutcomes(slackChannelView(slack, BURST_CHANNEL), ['synced', 'failed to sync']);
      return names.filter((name, i) => !shown.has(`${name} ${fails(i) ? 'failed to sync' : 'synced'}`));
    };
    let visibleMs = NaN;
    await waitUntil('every outcome visible in the channel', () => missing().length === 0, 600_000, 250)
      .then(() => (visibleMs = Date.now() - started))
      .catch((err: Error) => opts.log(`  notify burst: ${err.message}; missing ${missing().length}: ${missing().slice(0, 10).join(', ')}`));
    await outboxWatch;
    await new Promise((r) => setTimeout(r, 2000));

    const calls = (method: string) =>
      slack.callsOf(method).filter((c) => (c.args.channel ?? c.args.channel_id) === BURST_CHANNEL && c.answer === 'ok').length;
    const posts = calls('chat.postMessage');
    const edits = calls('chat.update');
    const files = calls('files.completeUploadExternal');
    const limited = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === BURST_CHANNEL && c.answer === '429').length;
    const inChannel = slackChannelMessages(slack, BURST_CHANNEL).length;
    opts.log(
      `  notify burst: ${n} apps (${names.filter((_, i) => fails(i)).length} failing) patched in ${patchedMs} ms; all in the outbox after ${inOutboxMs} ms; all visible after ${visibleMs} ms; ${inChannel} message(s) in the channel (${posts} posts, ${edits} edits, ${files} files; ${limited} posts answered 429); /deploy reply ${Math.round(duringMs)} ms during, ${Math.round(quietMs)} ms without`,
    );
    return [
      row(
        `notify burst: ${n} apps into one channel, all outcomes visible`,
        visibleMs,
        'ms',
        n * 1000,
        "from the first status patch to every app's final outcome shown in the channel (messages as they are now, files shared there); baseline: one message per app at Slack's 1 post/s per channel; the stand-in answers 429 past it",
      ),
      row(
        'notify burst: all visible after the last was in the outbox',
        visibleMs - inOutboxMs,
        'ms',
        null,
        "delivery's share: from the last notification queued for Slack to every outcome shown; the rest is the watch → notify job → outbox pipeline under 2 × n status patches",
      ),
      row(
        'notify burst: messages in the channel',
        inChannel,
        'count',
        n,
        `top-level messages and broadcast replies (${posts} posts, ${edits} edits, ${files} files in all); baseline: one per app`,
      ),
      row(
        'notify burst: /deploy reply in another channel, during',
        duringMs,
        'ms',
        quietMs,
        "slash command → the job's first message in its own channel while the burst is delivered; baseline: the same /deploy with no burst (best of two)",
      ),
    ];
  } finally {
    await bot?.stop('SIGKILL');
    client.disconnect();
    await slack.close();
    await redis.close();
    await repo.cleanup();
    await deleteNamespace(ns);
  }
}
