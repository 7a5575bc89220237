import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { eventually } from '../support/http.js';
import type { PostedMessage } from '../support/slack-api.js';
import { finalMessage, kustomization, queuedJob, SIGNING_SECRET, startSlackRig, type SlackRig } from './slack-harness.js';
import { buttonClickBody, CHANNEL, findButton, postToSlackEvents } from './slack-requests.js';

const GITHUB_TOKEN = 'ghp_slackreview0123456789abcdefghijklmno';
const CONFIG = `
apps:
  web:
    image: ghcr.io/example/web
    environments:
      prod: { kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml, protected: true }
access:
  rules:
    - subjects: ["slack:U0ALICE", "slack:U0BOB"]
      actions: [deploy]
    - subjects: ["slack:U0CAROL"]
      actions: [deploy]
      environments: [staging]
`;

/** A protected deploy decided by a button click in Slack: the block_actions round trip. */
describe('Slack: approving a protected deploy by button', () => {
  let rig: SlackRig;
  let github: GitHubApiDouble;
  beforeAll(async () => {
    rig = await startSlackRig({
      configTail: CONFIG,
      files: { 'apps/web/overlays/prod/kustomization.yaml': kustomization('1.4.2') },
      gitops: 'github: { owner: example, repo: gitops }',
      env: async (repo) => {
        github = await startGitHubApi({ token: GITHUB_TOKEN, repos: { 'example/gitops': repo.bare } });
        return { GITHUB_TOKEN, GITHUB_API_URL: github.url };
      },
    });
  });
  afterAll(async () => {
    await rig?.close();
    await github?.close();
  });

  let clicks = 0;
  const click = async (message: PostedMessage, value: string, user: string, userName: string) => {
    const id = `click-${++clicks}`;
    const body = buttonClickBody({ message, value, user, userName, responseUrl: rig.slack.responseUrl(id) });
    const ack = await postToSlackEvents(rig.base, body, { secret: SIGNING_SECRET });
    expect([ack.status, ack.text]).toEqual([200, '']);
    await eventually(async () => rig.slack.responses.some((r) => r.id === id), `the answer to ${userName}'s click`);
    return String(rig.slack.responses.find((r) => r.id === id)?.body.text);
  };

  it('posts Approve / Reject; refuses the requester and an outsider privately; approval merges once and shows who decided', async () => {
    const before = await rig.head();
    const job = queuedJob(await rig.slash('/deploy', 'web 2.0.0 prod'));
    const review = await finalMessage(rig, /Pull request #1/, 'the pull request message with buttons');
    const approve = findButton(review.blocks, `deploy approve ${job}`);
    expect(approve?.text.text).toBe('Approve');
    expect(findButton(review.blocks, `deploy reject ${job}`)?.text.text).toBe('Reject');
    const versions = review.versions.length;

    expect(await click(review, `deploy approve ${job}`, 'U0ALICE', 'alice')).toContain('someone else must approve it');
    expect(await click(review, `deploy approve ${job}`, 'U0CAROL', 'carol')).toContain('slack:U0CAROL may not deploy on app web, environment prod');
    expect(review.versions).toHaveLength(versions);
    expect(await rig.head()).toBe(before);

    const answer = await click(review, `deploy approve ${job}`, 'U0BOB', 'bob');
    expect(answer).toMatch(new RegExp(`Approved: pull request #1 of job ${job}`));
    await eventually(async () => review.versions.length > versions, 'the decided message');
    expect(findButton(review.blocks, `deploy approve ${job}`)).toBeUndefined();
    expect(JSON.stringify(review.blocks)).toMatch(/<@U0BOB> chose \*Approve\* · <!date\^\d+\^/);
    expect(JSON.stringify(review.blocks)).toContain('Pull request #1');

    // The merge job reports in the thread of the reviewed message.
    const merged = await finalMessage(rig, /Approved by bob: web 2\.0\.0 merged into prod/, 'the merge result');
    expect(merged.thread_ts).toBe(review.ts);
    expect(merged.channel).toBe(CHANNEL);
    expect(await rig.head()).not.toBe(before);
    expect(await rig.repo.show('apps/web/overlays/prod/kustomization.yaml')).toContain('newTag: "2.0.0"');

    // A second click (on a stale copy of the message that still shows the buttons) changes nothing.
    const stale = { ...review, blocks: review.versions[0]!.blocks };
    expect(await click(stale, `deploy approve ${job}`, 'U0BOB', 'bob')).toContain(`Job ${job} was already approved by slack:U0BOB; nothing changed.`);
    expect(github.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(rig.slack.calls.every((c) => c.authorized)).toBe(true);
  });
});
