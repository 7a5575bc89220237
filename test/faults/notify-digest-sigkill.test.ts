import { describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { shownOutcomes, slackChannelMessages, slackChannelView } from '../support/notification-view.js';
import { baselineLaid, finishedStatus, notifyRig, notifySuite, startNotifying, syncApplication } from '../support/notify-rig.js';
import { titled } from '../support/testenv.js';
import { env as testEnv } from '../argocd/kube-env.js';

/**
 * Fault: the notifying `opsbot start` is SIGKILLed while a burst into ONE Slack channel is being
 * folded into a digest — at the moment Slack has taken a post (the digest's, or an operation's)
 * and holds its answer, so the process never learns it went out — and started again. The
 * Applications' statuses are written on the real kube-apiserver; the stand-in enforces one post
 * per second per channel (429 + Retry-After). Afterwards every app's outcome is visible in the
 * channel, no message (by its metadata id) is there twice, and the burst is still a handful of
 * messages: the digest's record and its keyed message carried it through the crash.
 */
const N = 40;
const TOKEN = 'xoxb-digest-sigkill';
const CHANNEL = 'C0DIGESTKILL';
const app = (i: number) => `fold-${String(i).padStart(2, '0')}`;
const rev = (n: number) => String(n).repeat(40);
const fails = (i: number) => i % 13 === 5;

if (!testEnv.kube.available) console.warn(`digest SIGKILL test skipped: ${testEnv.kube.reason}`);

describe.skipIf(!testEnv.kube.available)(
  titled('A burst folded into a digest, through SIGKILL (real kube-apiserver, Redis, Slack stand-in)', testEnv.kube),
  () => {
    const { cleanups } = notifySuite();

    it(`${N} apps into one channel, the process killed while Slack holds a post: every outcome shown, nothing twice`, async () => {
      const r = await notifyRig({
        prefix: 'opsbot-digest-kill',
        token: TOKEN,
        apps: Array.from({ length: N }, (_, i) => app(i)),
        initial: finishedStatus(rev(1), 0),
        routes: `    - { apps: ['fold-*'], triggers: [on-sync-running, on-sync-succeeded, on-sync-failed], to: ['slack:${CHANNEL}'] }`,
        cleanups,
      });
      const { slack } = r;
      let bot = await startNotifying(r);
      await baselineLaid(r, N);

      // The burst; once the first messages are out, the next post Slack takes is held and the process killed.
      const syncing = Promise.all(
        Array.from({ length: N }, (_, i) => syncApplication(r, app(i), rev(2), 10 + i, fails(i) ? `hook ${app(i)}-migrate failed` : undefined)),
      );
      await eventually(async () => slackChannelMessages(slack, CHANNEL).length >= 1, 'the burst begins in the channel', 60_000);
      const held = await slack.holdNextPost();
      await bot.stop('SIGKILL');
      held.release();
      bot = await startNotifying(r);
      await syncing;

      const outcome = (i: number) => (fails(i) ? 'failed to sync' : 'synced');
      const missing = () => {
        const shown = shownOutcomes(slackChannelView(slack, CHANNEL), ['synced', 'failed to sync']);
        return Array.from({ length: N }, (_, i) => i).filter((i) => !shown.has(`${app(i)} ${outcome(i)}`));
      };
      await eventually(async () => missing().length === 0, 'every outcome shown in the channel', 180_000).catch((err: Error) => {
        throw new Error(`${err.message}: missing ${missing().map(app).join(', ')}\n${slackChannelView(slack, CHANNEL).slice(0, 2000)}`);
      });
      await new Promise((r) => setTimeout(r, 20_000)); // a lease (15 s) and a stalled job come back meanwhile: still nothing twice

      const posts = slackChannelMessages(slack, CHANNEL);
      const ids = [...slack.messages.values()].map((m) => m.metadata?.event_payload.opsbot_id).filter((id) => id !== undefined);
      console.log(
        `observed: held post ${JSON.stringify(held.message.text.slice(0, 80))} (metadata ${String(held.message.metadata?.event_payload.opsbot_id)}); ${posts.length} message(s) in the channel: ` +
          posts.map((m) => `${String(m.metadata?.event_payload.opsbot_id)} (${m.versions.length} version(s))`).join(', ') +
          `; lookups ${slack.callsOf('conversations.history').length + slack.callsOf('conversations.replies').length}`,
      );
      expect(missing()).toEqual([]);
      expect(ids.filter((id, k) => ids.indexOf(id) !== k)).toEqual([]);
      expect(posts.length).toBeLessThan(N / 4);
      // The held post was found again in Slack by its metadata, not posted a second time.
      expect(slack.callsOf('conversations.history').length + slack.callsOf('conversations.replies').length).toBeGreaterThan(0);
      await bot.stop();
    }, 600_000);
  },
);
