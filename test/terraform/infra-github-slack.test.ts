import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { eventually } from '../support/http.js';
import type { PostedMessage } from '../support/slack-api.js';
import { queuedJob, startSlackRig, type SlackRig } from '../slack/slack-harness.js';
import { CHANNEL } from '../slack/slack-requests.js';
import { FEATURE_TF, TOFU, haveTofu, pushTo, stackRepo } from './stacks.js';

const TOKEN = 'ghp_slackplanlink0123456789abcdefghijklm';

/**
 * A pull request planned from Slack, through the real flow: `opsbot start` with the Slack and
 * GitHub stand-ins, real tofu and Redis. The plan's comment is posted while the plan job ends —
 * before the bot has posted the plan's final message — so it names the channel in words first;
 * once the message is in Slack, the comment links it with the permalink Slack gave.
 */
describe.skipIf(!haveTofu)('Slack: the plan comment on a pull request links the chat message', () => {
  let rig: SlackRig;
  let github: GitHubApiDouble;
  const infra = stackRepo({ git: true });

  beforeAll(async () => {
    rig = await startSlackRig({
      configTail: `stacks:
  pr:
    repo: ${infra}
    dir: infra
    github: { owner: example, repo: infra-pr }
    approvers: ["slack:U0BOB"]
access:
  rules:
    - subjects: ["slack:U0ALICE", "slack:U0BOB"]
      actions: [infra.plan, infra.approve, jobs]
`,
      env: async () => {
        github = await startGitHubApi({ token: TOKEN, repos: { 'example/infra-pr': infra } });
        return { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url, TF_BINARY: TOFU };
      },
    });
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
    await github?.close();
  });

  const comment = (pr: number) => [...github.comments.values()].find((c) => c.repo === 'infra-pr' && c.issue === pr)?.body ?? '';
  /** The message whose blocks (its final version) say `text`. */
  const shown = async (text: string, what: string): Promise<PostedMessage> => {
    let found: PostedMessage | undefined;
    await eventually(async () => (found = rig.posted().find((m) => JSON.stringify(m.blocks).includes(text))) !== undefined, what, 120_000);
    return found!;
  };
  /** The permalink the Slack stand-in answered chat.getPermalink with, for this message. */
  const permalinkOf = (m: PostedMessage) => {
    const call = rig.slack.callsOf('chat.getPermalink').find((c) => c.args.message_ts === m.ts && c.answer === 'ok');
    expect(call, `chat.getPermalink for ${m.ts}`).toBeDefined();
    return `https://example.slack.com/archives/${m.channel}/p${m.ts.replace('.', '')}`;
  };

  it('the comment links the plan message by its permalink; a re-plan links its own message, never the earlier one', async () => {
    pushTo(infra, 'add-feature', { 'feature.tf': FEATURE_TF });
    const pr = await github.openPull({ owner: 'example', repo: 'infra-pr', head: 'add-feature', author: 'dev' });

    const first = queuedJob(await rig.slash('/infra', `plan pr --pr ${pr.number}`, { user: 'U0ALICE', userName: 'alice' }));
    const message = await shown(`Plan posted on pull request #${pr.number}`, 'the plan message');
    expect(message.channel).toBe(CHANNEL);
    expect(JSON.stringify(message.blocks)).toContain(`*Pull request*\\n#${pr.number} https://github.com/example/infra-pr/pull/${pr.number}`);
    await eventually(async () => comment(pr.number).includes('https://example.slack.com/archives/'), 'the comment linking the message', 30_000);
    const link = permalinkOf(message);
    expect(comment(pr.number)).toContain(`by alice from <!-- chat -->[the message in Slack <#${CHANNEL}>](${link})<!-- /chat --> (job ${first}).`);
    expect(rig.slack.callsOf('chat.getPermalink').every((c) => c.authorized)).toBe(true);

    const second = queuedJob(await rig.slash('/infra', `plan pr --pr ${pr.number}`, { user: 'U0ALICE', userName: 'alice' }));
    const again = await shown(`Plan comment updated on pull request #${pr.number}`, 'the re-plan message');
    expect(again.ts).not.toBe(message.ts);
    await eventually(async () => comment(pr.number).includes(`p${again.ts.replace('.', '')}`), 'the comment linking the re-plan message', 30_000);
    expect(comment(pr.number)).toContain(`(${permalinkOf(again)})<!-- /chat --> (job ${second}).`);
    expect(comment(pr.number)).not.toContain(link);
    expect([...github.comments.values()].filter((c) => c.repo === 'infra-pr' && c.issue === pr.number)).toHaveLength(1);

    // Each link was queued by the bot as opsbot's own job, and audited.
    const links = async () => (await rig.audit()).filter((e) => e.action === 'job.plan-link' && e.result === 'succeeded');
    await eventually(async () => (await links()).length === 2, 'two audited plan-link jobs');
    expect((await links()).map((e) => [e.actor, e.target])).toEqual([
      ['console:opsbot', `stack pr #${pr.number}`],
      ['console:opsbot', `stack pr #${pr.number}`],
    ]);
  }, 240_000);

  it('when Slack gives no permalink, the comment names the channel and the message ts in words', async () => {
    pushTo(infra, 'other-feature', { 'other.tf': FEATURE_TF.replace('feature', 'other') });
    const pr = await github.openPull({ owner: 'example', repo: 'infra-pr', head: 'other-feature', author: 'dev' });
    const asked = rig.slack.callsOf('chat.getPermalink').length;
    rig.slack.failNext('chat.getPermalink', 'message_not_found');
    const job = queuedJob(await rig.slash('/infra', `plan pr --pr ${pr.number}`, { user: 'U0ALICE', userName: 'alice' }));
    const message = await shown(`Plan posted on pull request #${pr.number}`, 'the plan message');
    const words = `Slack <#${CHANNEL}>, message ${message.ts}`;
    await eventually(async () => comment(pr.number).includes(words), 'the comment naming the message in words', 30_000);
    expect(comment(pr.number)).toContain(`by alice from <!-- chat -->${words}<!-- /chat --> (job ${job}).`);
    expect(rig.slack.callsOf('chat.getPermalink').slice(asked).map((c) => c.answer)).toEqual(['message_not_found']);
  }, 240_000);
});
