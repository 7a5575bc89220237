import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { finalMessage, queuedJob, SIGNING_SECRET, startSlackRig, type SlackRig, WEB_STAGING_APP } from './slack-harness.js';
import { buttonClickBody, CHANNEL, postToSlackEvents, sign, slashCommandBody } from './slack-requests.js';

const CONFIG = `
${WEB_STAGING_APP}chat:
  slack:
    teamId: T0EXAMPLE
    channels: [C0DEPLOYS, C0GONE, C0NOTIN]
    commands: { "/ship": deploy }
access:
  rules:
    - subjects: ["slack:U0ALICE"]
      actions: [deploy, rollback]
`;

/** Slack → opsbot → Slack, against a real `opsbot start`, real Redis and git, and the Slack Web API stand-in. */
describe('Slack: slash commands, signatures, delivery', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig({ configTail: CONFIG });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const commandAudits = async () => (await rig.audit()).filter((e) => e.action?.startsWith('command.'));

  it('asks auth.test once at start, with the bot token', () => {
    expect(rig.slack.callsOf('auth.test')).toHaveLength(1);
    expect(rig.slack.calls.every((c) => c.authorized)).toBe(true);
  });

  it('/deploy acks "queued" privately, commits, and posts then edits one message in the channel', async () => {
    const before = await rig.head();
    const ack = await rig.slash('/deploy', 'web 1.5.0 staging');
    expect(ack.status).toBe(200);
    expect(ack.json?.response_type).toBe('ephemeral');
    const job = queuedJob(ack);
    expect(ack.json?.text).toContain(`Queued as job ${job}: deploy web 1.5.0 to staging`);

    const done = await finalMessage(rig, /Deployed web in staging/, 'the deploy result in Slack');
    expect(await rig.head()).not.toBe(before);
    expect(await rig.repo.show('apps/web/overlays/staging/kustomization.yaml')).toContain('newTag: "1.5.0"');
    expect(done.channel).toBe(CHANNEL);
    // One message for the job: posted once (the first progress), then edited in place.
    const posts = rig.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === CHANNEL);
    expect(posts).toHaveLength(1);
    expect(rig.slack.callsOf('chat.update').filter((c) => c.args.ts === done.ts).length).toBeGreaterThanOrEqual(1);
    expect(done.versions.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(done.blocks)).toContain('1.4.2 → 1.5.0');
    expect(rig.slack.calls.every((c) => c.authorized)).toBe(true);
  });

  it('a configured shortcut (/ship) and the umbrella (/opsbot) reach the same commands', async () => {
    const ship = await rig.slash('/ship', 'web 1.5.1 staging');
    expect(ship.json?.text).toMatch(/Queued as job \d+: deploy web 1\.5\.1 to staging/);
    const help = await rig.slash('/opsbot', 'help');
    expect(help.json?.response_type).toBe('ephemeral');
    expect(help.text).toContain('/deploy');
    await finalMessage(rig, /Deployed web in staging: 1\.5\.0 → 1\.5\.1/, 'the /ship deploy');
  });

  it("acks within Slack's 3 s even while Redis stalls; the answer follows through response_url", async () => {
    await rig.client.call('CLIENT', 'PAUSE', '3500', 'ALL');
    const ack = await rig.slash('/opsbot', 'jobs', { responseId: 'stalled' });
    console.log(`ack while Redis is paused: ${ack.ms.toFixed(0)} ms: ${ack.json?.text ?? ack.text}`);
    expect(ack.status).toBe(200);
    expect(ack.json?.response_type).toBe('ephemeral');
    expect(ack.json?.text).toContain('opsbot is slow to answer right now; the answer follows here.');
    await eventually(async () => rig.slack.responses.some((r) => r.id === 'stalled'), 'the late answer', 15_000);
    expect(String(rig.slack.responses.find((r) => r.id === 'stalled')?.body.response_type)).toBe('ephemeral');
  });

  it('refuses a forged signature, a missing one, and an old timestamp with 401; nothing runs', async () => {
    const audits = (await commandAudits()).length;
    const body = slashCommandBody({ command: '/deploy', text: 'web 6.6.6 staging', responseUrl: rig.slack.responseUrl('forged') });
    const forged = await postToSlackEvents(rig.base, body, {
      secret: SIGNING_SECRET,
      signature: sign('not-the-secret', String(Math.floor(Date.now() / 1000)), body),
    });
    const stale = await postToSlackEvents(rig.base, body, { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const none = await fetch(`${rig.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect([forged.status, stale.status, none.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await commandAudits()).toHaveLength(audits);
    expect(await rig.repo.show('apps/web/overlays/staging/kustomization.yaml')).not.toContain('6.6.6');
  });

  it('runs a request once, whether Slack retries it or someone replays it', async () => {
    const audits = (await commandAudits()).length;
    const body = slashCommandBody({ command: '/opsbot', text: 'jobs', responseUrl: rig.slack.responseUrl('twice') });
    const first = await postToSlackEvents(rig.base, body, { secret: SIGNING_SECRET });
    const replay = await postToSlackEvents(rig.base, body, { secret: SIGNING_SECRET });
    const retry = await postToSlackEvents(rig.base, body, { secret: SIGNING_SECRET, retryNum: 1 });
    expect(first.json?.response_type).toBe('ephemeral');
    expect([replay.status, replay.text, retry.status, retry.text]).toEqual([200, '', 200, '']);
    expect(await commandAudits()).toHaveLength(audits + 1);
  });

  it('answers an unknown slash command, control characters and 10 kB of text privately, queueing nothing', async () => {
    const jobsBefore = (await commandAudits()).filter((e) => e.job).length;
    const unknown = await rig.slash('/frobnicate', 'now');
    expect(unknown.json?.text).toContain('opsbot does not answer to /frobnicate');
    const unknownSub = await rig.slash('/opsbot', 'frobnicate now');
    expect(unknownSub.json?.text).toContain('Unknown command /frobnicate');
    const control = await rig.slash('/deploy', 'web 1.6.0\u0007 staging');
    expect(control.json?.text).toContain('Control characters are not accepted');
    const huge = await rig.slash('/deploy', `web ${'x'.repeat(10_000)} staging`);
    expect(huge.status).toBe(200);
    expect(huge.json?.text).toMatch(/characters long; opsbot accepts at most 2000/);
    expect((await commandAudits()).filter((e) => e.job).length).toBe(jobsBefore);
  });

  it('refuses another workspace and channels outside chat.slack.channels, with an audit entry', async () => {
    const other = await rig.slash('/deploy', 'web 1.7.0 staging', { team: 'T0OTHER' });
    expect(other.json?.text).toContain('This opsbot serves another Slack workspace');
    const elsewhere = await rig.slash('/deploy', 'web 1.7.0 staging', { channel: 'C0RANDOM' });
    expect(elsewhere.json?.text).toContain('opsbot takes commands only in its channels');
    const click = buttonClickBody({
      message: { ts: '1.000001', text: 'x', blocks: [] },
      value: 'deploy web 1.7.0 staging',
      team: 'T0OTHER',
      responseUrl: rig.slack.responseUrl('other-team-click'),
    });
    expect((await postToSlackEvents(rig.base, click, { secret: SIGNING_SECRET })).status).toBe(200);
    await eventually(async () => rig.slack.responses.some((r) => r.id === 'other-team-click'), 'the refusal of a click from another team');
    expect(String(rig.slack.responses.find((r) => r.id === 'other-team-click')?.body.text)).toContain('another Slack workspace');
    const denied = (await rig.audit()).filter((e) => e.action === 'slack.request' && e.result === 'denied');
    expect(denied.map((e) => e.target)).toEqual(['T0OTHER/C0DEPLOYS', 'T0EXAMPLE/C0RANDOM', 'T0OTHER/C0DEPLOYS']);
    expect(await rig.repo.show('apps/web/overlays/staging/kustomization.yaml')).not.toContain('1.7.0');
  });

  it('a button for a review that does not exist gets a private answer and changes nothing', async () => {
    const updates = rig.slack.callsOf('chat.update').length;
    const click = buttonClickBody({
      message: { ts: '1.000002', text: 'old', blocks: [] },
      value: 'deploy approve 4242',
      responseUrl: rig.slack.responseUrl('missing-review'),
    });
    expect((await postToSlackEvents(rig.base, click, { secret: SIGNING_SECRET })).status).toBe(200);
    await eventually(async () => rig.slack.responses.some((r) => r.id === 'missing-review'), 'the answer to a click on a missing review');
    expect(String(rig.slack.responses.find((r) => r.id === 'missing-review')?.body.text)).toContain('There is no pull request waiting for job 4242.');
    expect(rig.slack.callsOf('chat.update')).toHaveLength(updates);
  });

  it.each([
    ['channel_not_found', 'C0GONE', 'the channel does not exist'],
    ['not_in_channel', 'C0NOTIN', 'opsbot is not a member of this channel'],
  ])('Slack answering ok:false %s: the job still runs, the failure is audited and explained privately', async (error, channel, advice) => {
    rig.slack.channelErrors.set(channel, error);
    const ack = await rig.slash('/deploy', `web 2.0.${channel === 'C0GONE' ? 1 : 2} staging`, { channel, responseId: `fail-${error}` });
    const job = queuedJob(ack);
    await eventually(async () => rig.slack.responses.some((r) => r.id === `fail-${error}`), `the private explanation of ${error}`, 30_000);
    await eventually(async () => (await rig.audit()).some((e) => e.job === job && e.result === 'succeeded'), `job ${job} finished`, 30_000);
    // The job's last word reaches the delivery loop at most a pacing interval later.
    await new Promise((r) => setTimeout(r, 2500));
    const explained = String(rig.slack.responses.find((r) => r.id === `fail-${error}`)?.body.text);
    expect(explained).toContain(`opsbot could not post here: Slack refused posting to ${channel}: ${error} — ${advice}`);
    const deliverAudits = async () => (await rig.audit()).filter((e) => e.action === 'deliver' && e.target === `slack:${channel}`);
    const failedCalls = () => rig.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel);
    // A call is audited just after its answer: on a busy machine the last one's entry may still be on its way.
    await eventually(async () => failedCalls().length === (await deliverAudits()).length, 'every refused call audited', 30_000);
    const audits = await deliverAudits();
    expect(audits.length).toBeGreaterThanOrEqual(1);
    expect(audits.every((a) => a.result === 'failed' && a.detail?.includes(error))).toBe(true);
    // Permanent: each event is tried once and given up (one audit entry per call), never retried.
    const failed = failedCalls();
    expect(failed.every((c) => c.answer === error)).toBe(true);
    expect(failed).toHaveLength(audits.length);
    // Explained once, not once per message of the job.
    expect(rig.slack.responses.filter((r) => r.id === `fail-${error}`)).toHaveLength(1);
  });

  it('a 429 with Retry-After delays the message by that long, then delivers it', async () => {
    rig.slack.rateLimitNext('chat.postMessage', 2);
    const started = rig.slack.calls.length;
    queuedJob(await rig.slash('/deploy', 'web 3.0.0 staging'));
    await finalMessage(rig, /Deployed web in staging: .* → 3\.0\.0/, 'the deploy after a 429');
    const posts = rig.slack.calls.slice(started).filter((c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL);
    expect(posts.map((p) => p.answer).slice(0, 2)).toEqual(['429', 'ok']);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1900);
  });
});
