import type { AdapterContext, ChatAdapter } from './chat-adapter.js';

/**
 * The chat platforms this process serves, chosen by which credentials are in the environment.
 * A new platform is one folder under adapters/ and one line here.
 */
export async function createChatAdapters(ctx: AdapterContext): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  // Each platform SDK is tens of MB resident once loaded (Bolt ~33 MB): load only those in use.
  if (ctx.env.SLACK_BOT_TOKEN) {
    const { SlackAdapter } = await import('./slack/slack-adapter.js');
    adapters.push(
      new SlackAdapter(ctx, { botToken: ctx.env.SLACK_BOT_TOKEN, signingSecret: ctx.env.SLACK_SIGNING_SECRET, appToken: ctx.env.SLACK_APP_TOKEN }),
    );
  }
  if (ctx.env.TELEGRAM_BOT_TOKEN) {
    const { TelegramAdapter } = await import('./telegram/telegram-adapter.js');
    adapters.push(new TelegramAdapter(ctx));
  }
  return adapters;
}
