import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { shownOutcomes, slackChannelMessages, slackChannelView } from '../support/notification-view.js';
import { baselineLaid, finishedStatus, notifyRig, notifySuite, startNotifying, syncApplication } from '../support/notify-rig.js';
import { ParkedMessages } from '../../src/jobs/parked-messages.js';
import { titled } from '../support/testenv.js';
import { env as testEnv } from '../argocd/kube-env.js';

/**
 * Fault: Slack's chat.update limit (a Tier 3 method: 429 with Retry-After past it, for the whole
 * workspace) reached while a burst into ONE channel is folded into a digest, which is edited in
 * place as the burst grows. The stand-in allows 5 edits a minute here (Slack: 50+) so the burst
 * reaches it. The edits refused are made again once Retry-After has passed — the digest's, and
 * those bringing an operation's own message to its latest state — nothing is parked, and at the
 * end the channel shows every app's outcome, each operation's own message its final state.
 */
const N = 30;
const UPDATES_PER_MINUTE = 5;
const TOKEN = 'xoxb-update-limit';
const CHANNEL = 'C0UPDATELIMIT';
const app = (i: number) => `lim-${String(i).padStart(2, '0')}`;
const rev = (n: number) => String(n).repeat(40);
const fails = (i: number) => i % 11 === 4;
const outcome = (i: number) => (fails(i) ? 'failed to sync' : 'synced');

if (!testEnv.kube.available) console.warn(`chat.update limit test skipped: ${testEnv.kube.reason}`);

describe.skipIf(!testEnv.kube.available)(
  titled('A digest edited in place past Slack’s chat.update limit (real kube-apiserver, Redis, Slack stand-in)', testEnv.kube),
  () => {
    const { cleanups } = notifySuite();

    it(`${N} apps into one channel at ${UPDATES_PER_MINUTE} edits a minute: edits refused with 429 are made later, every outcome shown, nothing parked`, async () => {
      const r = await notifyRig({
        prefix: 'opsbot-update-limit',
        token: TOKEN,
        apps: Array.from({ length: N }, (_, i) => app(i)),
        initial: finishedStatus(rev(1), 0),
        routes: `    - { apps: ['lim-*'], triggers: [on-sync-running, on-sync-succeeded, on-sync-failed], to: ['slack:${CHANNEL}'] }`,
        cleanups,
        updatesPerMinute: UPDATES_PER_MINUTE,
      });
      const { slack } = r;
      const bot = await startNotifying(r);
      await baselineLaid(r, N);

      // A burst that keeps growing for ~20 s: the digest is edited again and again as it does.
      await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          await new Promise((res) => setTimeout(res, i * 700));
          await syncApplication(r, app(i), rev(2), 10 + i, fails(i) ? `hook ${app(i)}-migrate failed` : undefined);
        }),
      );

      const missing = () => {
        const shown = shownOutcomes(slackChannelView(slack, CHANNEL), ['synced', 'failed to sync']);
        return Array.from({ length: N }, (_, i) => i).filter((i) => !shown.has(`${app(i)} ${outcome(i)}`));
      };
      /** Operations with a message of their own that does not show their final state yet. */
      const behind = () =>
        slackChannelMessages(slack, CHANNEL)
          .filter((m) => !m.thread_ts && !String(m.metadata?.event_payload.opsbot_id ?? '').startsWith('digest:'))
          .filter((m) => !/ (synced|failed to sync)\b/.test(m.text))
          .map((m) => m.text.slice(0, 60));
      await eventually(
        async () => missing().length === 0 && behind().length === 0,
        'every outcome shown, each message at its final state',
        240_000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: missing ${missing().map(app).join(', ')}; behind: ${behind().join(' | ')}\n${slackChannelView(slack, CHANNEL).slice(0, 1500)}`,
        );
      });

      const updates = slack.callsOf('chat.update');
      const firstRefused = updates.findIndex((c) => c.answer === '429');
      console.log(
        `observed: ${slackChannelMessages(slack, CHANNEL).length} message(s) in the channel; chat.update ${updates.length} call(s), ` +
          `${updates.filter((c) => c.answer === '429').length} answered 429, ${updates.filter((c) => c.answer === 'ok').length} made`,
      );
      // The limit was reached, and edits were made after Slack had refused one.
      expect(firstRefused).toBeGreaterThanOrEqual(0);
      expect(updates.slice(firstRefused + 1).some((c) => c.answer === 'ok')).toBe(true);
      // Never more than the limit in any minute (the stand-in refuses the rest), and nothing given up on.
      const made = updates.filter((c) => c.answer === 'ok').map((c) => c.at);
      expect(made.filter((t, k) => made.filter((u, j) => j <= k && u > t - 60_000).length > UPDATES_PER_MINUTE)).toEqual([]);
      const client = new Redis(r.redis.url);
      try {
        expect(await new ParkedMessages(client).count('slack')).toBe(0);
      } finally {
        client.disconnect();
      }
      const ids = [...slack.messages.values()].map((m) => m.metadata?.event_payload.opsbot_id).filter((id) => id !== undefined);
      expect(ids.filter((id, k) => ids.indexOf(id) !== k)).toEqual([]);
      await bot.stop();
    }, 600_000);
  },
);
