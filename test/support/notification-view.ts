import type { PostedMessage, SlackApiDouble } from './slack-api.js';
import type { TelegramApiDouble } from './telegram-api.js';

/**
 * What a reader of a conversation can see of Argo CD notifications, read at the chat stand-ins:
 * the conversation's messages as they are now (Slack: top-level ones and replies broadcast to
 * the channel; Telegram: the chat's messages) and the files shared there (a digest's full list).
 */
export function slackChannelMessages(slack: SlackApiDouble, channel: string): PostedMessage[] {
  return [...slack.messages.values()].filter((m) => m.channel === channel && (!m.thread_ts || m.reply_broadcast));
}

export function slackChannelView(slack: SlackApiDouble, channel: string): string {
  const files = slack.callsOf('files.completeUploadExternal').filter((c) => c.args.channel_id === channel && c.answer === 'ok');
  const shared = files.flatMap((c) => (c.args.files as { id: string }[]).map((f) => slack.uploads.get(f.id)?.content ?? ''));
  return [...slackChannelMessages(slack, channel).map((m) => m.text), ...shared].join('\n');
}

export function telegramChatView(telegram: TelegramApiDouble, chat: string): string {
  return (telegram.messages.get(chat) ?? []).map((m) => m.text ?? m.document?.content ?? '').join('\n');
}

/**
 * Whether `app`'s outcome `state` (`synced`, `failed to sync`) is shown: a line of its own
 * (`app synced`, as a single notification or a digest's failure line and full list say it), or
 * the app named in a digest's group of that state (`✔ synced (57): a, b, …`).
 */
export function outcomeShown(view: string, app: string, state: string): boolean {
  return view.includes(`${app} ${state}`) || groupLines(view, state).some((l) => new RegExp(`(: |, )${app}(,|$| …)`).test(l));
}

function groupLines(view: string, state: string): string[] {
  return view.split('\n').filter((l) => l.includes(` ${state} (`));
}
