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
 * The (app, state) pairs a view shows, as `<app> <state>` (`web-a synced`): a line of its own
 * (`web-a synced`, as a single notification or a digest's failure line and full list say it),
 * or the app named in a digest's group of that state (`✔ synced (57): a, b, …`). One pass over
 * the view, so a bench can look often at a 2,000-app channel.
 */
export function shownOutcomes(view: string, states: readonly string[]): Set<string> {
  const out = new Set<string>();
  const alternatives = states.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  for (const m of view.matchAll(new RegExp(`([A-Za-z0-9][A-Za-z0-9._-]*) (${alternatives})\\b`, 'g'))) out.add(`${m[1]} ${m[2]}`);
  for (const m of view.matchAll(new RegExp(`(${alternatives}) \\(\\d+\\): ([^\\n]*)`, 'g'))) {
    for (const name of m[2]!.split(', ')) if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) out.add(`${name} ${m[1]}`);
  }
  return out;
}
