import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { startSlackRig, type SlackRig, WEB_STAGING_APP } from '../slack/slack-harness.js';
import type { SlackPost } from '../slack/slack-requests.js';
import { eventually } from '../support/http.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const FLOOD = 3000;
/** The defaults of `limits:` (this config leaves them out). */
const COMMANDS_PER_MINUTE = 60;
const JOBS_PER_MINUTE = 30;

const CONFIG = `${WEB_STAGING_APP}access:
  rules:
    - subjects: ["slack:U0BOB"]
      actions: [deploy]
workers: { shutdownGrace: 1s }
`;

/** `n` requests, `width` in flight at a time. */
async function pool<T>(n: number, width: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await send(i);
      }
    }),
  );
  return out;
}

const word = () => randomBytes(6).toString('hex').replace(/^\d/, 'w');

/**
 * The flood, with real parts: thousands of signed `/opsbot <random word>` from one Slack
 * user with no rights, at a real `opsbot start` on a real Redis. What it may cost is bounded by
 * the per-person limit (one reply per minute past it), not by the number of messages.
 */
describe('a flood from one account', { timeout: SUITE_TIMEOUT * 2 }, () => {
  let rig: SlackRig;
  const metrics = async (token?: string) => fetch(`${rig.base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const scrape = async () => (await metrics(METRICS_TOKEN)).text();
  const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const memory = async () => Number(/used_memory:(\d+)/.exec(await rig.client.info('memory'))![1]);
  const answered = (p: SlackPost) => p.status === 200 && p.text.trim() !== '';

  beforeAll(async () => {
    rig = await startSlackRig({ configTail: CONFIG, env: async () => ({ OPSBOT_METRICS_TOKEN: METRICS_TOKEN }) });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('/metrics wants its token when one is configured', async () => {
    expect((await metrics()).status).toBe(401);
    expect((await metrics('wrong')).status).toBe(401);
    const ok = await metrics(METRICS_TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('opsbot_commands_total');
  });

  it(`${FLOOD} random words: one label, bounded audit, keys and memory, bounded replies; others still served`, async () => {
    // Warm up what every process loads on its first commands, so the baseline is a running bot.
    for (let i = 0; i < 5; i++) await rig.slash('/opsbot', 'jobs', { user: 'U0WARM', userName: 'warm' });
    const before = {
      keys: await rig.client.dbsize(),
      audit: await rig.client.xlen('opsbot:audit'),
      memory: await memory(),
      rss: gauge(await scrape(), 'process_resident_memory_bytes'),
    };

    const started = Date.now();
    let bobServed: SlackPost | undefined;
    const flood = pool(FLOOD, 32, async (i) => {
      if (i === FLOOD / 2) bobServed = await rig.slash('/deploy', 'web 2.0.0 staging', { user: 'U0BOB', userName: 'bob' });
      return rig.slash('/opsbot', word(), { user: 'U0MALLORY', userName: 'mallory', responseId: `flood-${i}` });
    });
    const posts = await flood;
    const seconds = (Date.now() - started) / 1000;
    // The window is a fixed minute from the first command counted: a slow machine may span two.
    const windows = Math.ceil(seconds / 60) + 1;
    const after = {
      keys: await rig.client.dbsize(),
      audit: await rig.client.xlen('opsbot:audit'),
      memory: await memory(),
      rss: gauge(await scrape(), 'process_resident_memory_bytes'),
    };
    console.log(
      `flood: ${FLOOD} signed commands in ${seconds.toFixed(1)} s (${(FLOOD / seconds).toFixed(0)}/s); replies ${posts.filter(answered).length}; ` +
        `Redis keys +${after.keys - before.keys}, used_memory +${((after.memory - before.memory) / 1024).toFixed(0)} KiB, audit +${after.audit - before.audit} entries, RSS +${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB`,
    );

    // Every request was acknowledged (Slack retries what is not), most of them silently.
    expect(posts.filter((p) => p.status !== 200)).toEqual([]);
    const replies = posts.filter(answered).map((p) => p.json?.text ?? p.text);
    const slowDowns = replies.filter((t) => t.includes('Slow down:'));
    expect(slowDowns.length).toBeGreaterThanOrEqual(1);
    expect(slowDowns.length).toBeLessThanOrEqual(windows);
    expect(slowDowns[0]).toMatch(
      /Slow down: opsbot takes at most 60 commands a minute from one person \(limits\.commandsPerMinute\)\. Nothing was run; try again in \d+ s\./,
    );
    expect(replies.length).toBeLessThanOrEqual(windows * (COMMANDS_PER_MINUTE + 1));

    // One series for every unknown word; the limit has its own counter.
    const text = await scrape();
    const series = text.split('\n').filter((l) => l.startsWith('opsbot_commands_total{'));
    expect(series.filter((l) => l.includes('command="unknown"'))).toHaveLength(1);
    expect(series.length).toBeLessThan(10);
    expect(gauge(text, 'opsbot_rate_limited_total{limit="commands"}')).toBe(FLOOD - (replies.length - slowDowns.length));

    // The audit: the commands let through and one "limited" entry per window, each field capped.
    const audit = (await rig.audit()).slice(before.audit);
    const mallory = audit.filter((e) => e.actor === 'slack:U0MALLORY');
    expect(mallory.length).toBeLessThanOrEqual(windows * (COMMANDS_PER_MINUTE + 1));
    expect(mallory.filter((e) => e.result === 'limited')).toHaveLength(slowDowns.length);
    expect(new Set(mallory.filter((e) => e.result !== 'limited').map((e) => e.action))).toEqual(new Set(['command.unknown']));
    for (const e of audit) for (const v of Object.values(e)) expect(v.length).toBeLessThanOrEqual(600);
    // Redis: a key per command let through (its dedupe mark), not per message; memory to match.
    expect(after.keys - before.keys).toBeLessThan(windows * (COMMANDS_PER_MINUTE + 1) + 50);
    expect(after.memory - before.memory).toBeLessThan(2 * 2 ** 20);
    // Mostly garbage not yet collected (the issue measured +57 MB); a leak per message would be far more.
    expect(after.rss - before.rss).toBeLessThan(64 * 2 ** 20);

    // Someone else, in the middle of it: served as usual.
    expect(bobServed?.json?.text).toMatch(/Queued as job \d+: deploy web 2\.0\.0 to staging\./);
    const bobAfter = await rig.slash('/opsbot', 'jobs', { user: 'U0BOB', userName: 'bob' });
    expect(bobAfter.status).toBe(200);
    expect(bobAfter.json?.text).not.toMatch(/Slow down/);
    // And the flooder, still inside the window: silence, no new audit entry.
    const lenNow = await rig.client.xlen('opsbot:audit');
    const again = await rig.slash('/opsbot', word(), { user: 'U0MALLORY', userName: 'mallory' });
    expect(again.status).toBe(200);
    if (Date.now() - started < 55_000) {
      expect(answered(again)).toBe(false);
      expect(await rig.client.xlen('opsbot:audit')).toBe(lenNow);
    }
  });

  it(`queued jobs: at most ${JOBS_PER_MINUTE} a minute from one person, the rest refused with "slow down"`, async () => {
    const seq = Number((await rig.client.get('opsbot:jobs:seq')) ?? 0);
    const started = Date.now();
    let n = 0;
    const posts = await pool(COMMANDS_PER_MINUTE, 8, async () => {
      const id = `historian-${n++}`;
      return { id, post: await rig.slash('/opsbot', 'history web staging', { user: 'U0HISTORIAN', userName: 'historian', responseId: id }) };
    });
    const oneWindow = Date.now() - started < 60_000;
    // On a busy machine Slack's 3 s ack says "slow to answer"; the answer then follows through the response_url.
    const slow = (t: string) => t.includes('opsbot is slow to answer right now');
    const followed = (id: string) => rig.slack.responses.find((r) => r.id === id)?.body.text;
    await eventually(
      async () => posts.every((p) => !slow(p.post.json?.text ?? '') || typeof followed(p.id) === 'string'),
      'the answers that followed through response_url',
      60_000,
    );
    const texts = posts.map((p) => (slow(p.post.json?.text ?? '') ? String(followed(p.id)) : (p.post.json?.text ?? '')));
    const queued = texts.filter((t) => /Queued as job/.test(t)).length;
    const refused = texts.filter((t) => t.includes('Slow down: opsbot takes at most 30 jobs a minute from one person (limits.jobsPerMinute).'));
    if (queued + refused.length !== COMMANDS_PER_MINUTE) console.log(texts);
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThanOrEqual(oneWindow ? JOBS_PER_MINUTE : JOBS_PER_MINUTE * 2);
    expect(queued + refused.length).toBe(COMMANDS_PER_MINUTE);
    expect(Number(await rig.client.get('opsbot:jobs:seq')) - seq).toBe(queued);
    expect((await rig.audit()).filter((e) => e.actor === 'slack:U0HISTORIAN' && e.result === 'limited')).toHaveLength(refused.length);
  });
});
