import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { eventually } from '../support/http.js';
import type { StoredMessage } from '../support/telegram-api.js';
import { SECRET, startTelegramOpsbot, type TelegramOpsbot } from './harness.js';
import { ALICE, BOB, MALLORY, messageUpdate, postUpdate, tapUpdate, type Person } from './updates.js';

const GH_TOKEN = 'ghp_telegramtest0123456789abcdefghijklmn';
const GROUP = -1001777000222;
const kustomization = (tag: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/example/web\n    newTag: "${tag}"\n`;
// What the repository already holds comes back into the chat: it must render literally.
const HOSTILE_TAG = '1.0</code><b>&amp;';

describe('Telegram: /deploy and an approval by inline button, end to end', () => {
  let repo: BareRepo;
  let github: GitHubApiDouble;
  let bot: TelegramOpsbot;

  beforeAll(async () => {
    repo = await createBareRepo({
      'apps/web/overlays/staging/kustomization.yaml': kustomization(HOSTILE_TAG),
      'apps/web/overlays/prod/kustomization.yaml': kustomization('1.4.2'),
    });
    github = await startGitHubApi({ token: GH_TOKEN, repos: { 'example/gitops': repo.bare } });
    bot = await startTelegramOpsbot({
      config: `
gitops:
  url: ${repo.bare}
  github: { owner: example, repo: gitops }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/overlays/staging/kustomization.yaml }
      prod: { kind: kustomize, path: apps/web/overlays/prod/kustomization.yaml, protected: true }
chat:
  telegram:
    chats: [${GROUP}]
access:
  rules:
    - subjects: ["telegram:${ALICE.id}", "telegram:${BOB.id}"]
      actions: [deploy]
`,
      env: { OPSBOT_HOME: join(repo.root, 'home'), GITHUB_TOKEN: GH_TOKEN, GITHUB_API_URL: github.url },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await github?.close();
    await repo?.cleanup();
  });

  const command = async (text: string, from: Person = ALICE) => {
    const { update, messageId } = messageUpdate({ chatId: GROUP, from, text });
    expect((await postUpdate(bot.port, update, SECRET)).status).toBe(200);
    return messageId;
  };
  const tap = async (from: Person, message: StoredMessage, data: string) => {
    const { update, queryId } = tapUpdate({ from, message, data });
    expect((await postUpdate(bot.port, update, SECRET)).status).toBe(200);
    return bot.waitForCall('answerCallbackQuery', (c) => c.params.callback_query_id === queryId, `the answer to ${data}`);
  };
  const replyTo = (messageId: number) => bot.repliesTo(GROUP, messageId)[0];

  it('/deploy: commits the tag, replies to the command and edits that reply until done', async () => {
    const asked = await command('/deploy web 2.0.0 staging');
    await eventually(async () => /Deployed web in staging/.test(replyTo(asked)?.text ?? ''), 'the deploy result', 45_000);
    const reply = replyTo(asked)!;
    expect(bot.repliesTo(GROUP, asked)).toHaveLength(1);
    expect(reply.text).toContain(`Deployed web in staging: ${HOSTILE_TAG} → 2.0.0`);
    expect(bot.api.callsOf('editMessageText').filter((c) => c.params.message_id === reply.message_id).length).toBeGreaterThanOrEqual(1);
    expect(await repo.show('apps/web/overlays/staging/kustomization.yaml')).toContain('newTag: "2.0.0"');
    const log = await git(repo.bare, 'log', '-1', '--format=%B', 'main');
    expect(log).toContain(`telegram:${ALICE.id}`);
    const sha = await git(repo.bare, 'rev-parse', 'main');
    expect(reply.text).toContain(sha.slice(0, 12));
  });

  it('approval by inline button: only someone else allowed decides, once; forged and stale taps change nothing', async () => {
    const before = await git(repo.bare, 'rev-parse', 'main');
    const asked = await command('/deploy web 3.0.0 prod');
    await eventually(async () => replyTo(asked)?.reply_markup !== undefined, 'the pull request message with buttons', 45_000);
    const review = replyTo(asked)!;
    const snapshot: StoredMessage = JSON.parse(JSON.stringify(review)) as StoredMessage;
    const buttons = (review.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    const job = /^deploy approve (\d+)$/.exec(buttons[0]?.callback_data ?? '')?.[1];
    expect(review.text).toMatch(/Pull request #\d+: deploy\(web\): 1\.4\.2 → 3\.0\.0/);
    expect(buttons.map((b) => [b.text, b.callback_data])).toEqual([
      ['Approve', `deploy approve ${job}`],
      ['Reject', `deploy reject ${job}`],
    ]);
    const approve = `deploy approve ${job}`;

    const self = await tap(ALICE, review, approve);
    expect(self.params).toMatchObject({ show_alert: true, text: expect.stringContaining('someone else must approve it') });
    const outsider = await tap(MALLORY, review, approve);
    expect(outsider.params).toMatchObject({ show_alert: true, text: expect.stringContaining(`telegram:${MALLORY.id} may not deploy`) });
    const forged = await tap(BOB, review, `deploy approve 999`);
    expect(forged.params).toMatchObject({ show_alert: true, text: expect.stringContaining('no longer valid') });
    const expiredToken = await tap(
      BOB,
      { ...snapshot, reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: '~Zm9yZ2VkLXRva2Vu' }]] } },
      '~Zm9yZ2VkLXRva2Vu',
    );
    expect(expiredToken.params).toMatchObject({ show_alert: true, text: expect.stringContaining('expired') });
    const expiredReview = await tap(
      BOB,
      { ...snapshot, reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'deploy approve 4242' }]] } },
      'deploy approve 4242',
    );
    expect(expiredReview.params).toMatchObject({ show_alert: true, text: expect.stringContaining('There is no pull request waiting for job 4242') });
    expect(bot.api.message(GROUP, review.message_id)?.reply_markup).toBeDefined();
    expect(await git(repo.bare, 'rev-parse', 'main')).toBe(before);

    const approved = await tap(BOB, review, approve);
    expect(approved.params.show_alert).toBe(false);
    await eventually(
      async () => /Approved by Bob: web 3\.0\.0 merged into prod/.test(replyTo(review.message_id)?.text ?? ''),
      'the merge result',
      45_000,
    );
    expect(bot.api.message(GROUP, review.message_id)?.reply_markup).toBeUndefined();
    expect(bot.api.callsOf('editMessageReplyMarkup').map((c) => c.params.message_id)).toEqual([review.message_id]);
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).toContain('newTag: "3.0.0"');

    // Telegram now shows the message without a keyboard; an old client may still send the tap.
    const again = await tap(BOB, bot.api.message(GROUP, review.message_id)!, approve);
    expect(again.params).toMatchObject({ show_alert: true, text: expect.stringContaining('no longer valid') });
    const raced = await tap(BOB, snapshot, approve);
    expect(raced.params).toMatchObject({ show_alert: true, text: expect.stringContaining(`was already approved by telegram:${BOB.id}`) });
    expect(github.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(bot.repliesTo(GROUP, review.message_id)).toHaveLength(1);
  });
});
