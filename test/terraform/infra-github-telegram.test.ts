import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/config.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { eventually } from '../support/http.js';
import type { StoredMessage } from '../support/telegram-api.js';
import { SECRET, startTelegramOpsbot, type TelegramOpsbot } from '../telegram/harness.js';
import { ALICE, messageUpdate, postUpdate } from '../telegram/updates.js';
import { FEATURE_TF, TOFU, haveTofu, pushTo, stackRepo } from './stacks.js';

const TOKEN = 'ghp_telegramplanlink0123456789abcdefghij';
const GROUP = -1001777000333;

/**
 * A pull request planned from Telegram, through the real flow (`opsbot start`, the Bot API and
 * GitHub stand-ins, real tofu and Redis): from a supergroup the comment links the plan message
 * (`https://t.me/c/<id without -100>/<message id>`); from a private chat, which has no link, it
 * names the chat and the message in words.
 */
describe.skipIf(!haveTofu)('Telegram: the plan comment on a pull request links the chat message', () => {
  let bot: TelegramOpsbot;
  let github: GitHubApiDouble;
  const infra = stackRepo({ git: true });

  beforeAll(async () => {
    github = await startGitHubApi({ token: TOKEN, repos: { 'example/infra-pr': infra } });
    bot = await startTelegramOpsbot({
      config: `
stacks:
  pr:
    repo: ${infra}
    dir: infra
    github: { owner: example, repo: infra-pr }
    approvers: ["telegram:${ALICE.id}"]
    requesterMayApprove: true
chat:
  telegram:
    chats: [${GROUP}, ${ALICE.id}]
access:
  rules:
    - subjects: ["telegram:${ALICE.id}"]
      actions: [infra.plan, infra.approve, jobs]
`,
      env: { OPSBOT_HOME: join(tempDir('opsbot-tg-'), 'home'), GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url, TF_BINARY: TOFU },
    });
  }, 60_000);
  afterAll(async () => {
    await bot?.close();
    await github?.close();
  });

  const comment = (pr: number) => [...github.comments.values()].find((c) => c.repo === 'infra-pr' && c.issue === pr)?.body ?? '';
  const plan = async (chatId: number, pr: number, what: string): Promise<StoredMessage> => {
    const { update, messageId } = messageUpdate({ chatId, from: ALICE, text: `/infra plan pr --pr ${pr}` });
    expect((await postUpdate(bot.port, update, SECRET)).status).toBe(200);
    let found: StoredMessage | undefined;
    await eventually(async () => (found = bot.repliesTo(chatId, messageId).find((m) => /on pull request #\d+/.test(m.text ?? ''))) !== undefined, what, 120_000);
    return found!;
  };

  it('a supergroup: the t.me/c link of the plan message; a private chat: the chat and message in words', async () => {
    pushTo(infra, 'add-feature', { 'feature.tf': FEATURE_TF });
    const pr = await github.openPull({ owner: 'example', repo: 'infra-pr', head: 'add-feature', author: 'dev' });

    const inGroup = await plan(GROUP, pr.number, 'the plan message in the group');
    const link = `https://t.me/c/1777000333/${inGroup.message_id}`;
    await eventually(async () => comment(pr.number).includes(link), `the comment linking ${link}`, 30_000);
    expect(comment(pr.number)).toContain(`from <!-- chat -->[the message in Telegram chat ${GROUP}](${link})<!-- /chat -->`);

    const inPrivate = await plan(ALICE.id, pr.number, 'the plan message in the private chat');
    const words = `Telegram chat ${ALICE.id}, message ${inPrivate.message_id} (a private chat: Telegram has no link to it)`;
    await eventually(async () => comment(pr.number).includes(words), 'the comment naming the private chat', 30_000);
    expect(comment(pr.number)).toContain(`from <!-- chat -->${words}<!-- /chat -->`);
    expect(comment(pr.number)).not.toContain('https://t.me/');
  }, 240_000);
});
