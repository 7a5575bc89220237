import { OpsbotError } from './errors.js';
import type { ConversationRef, Platform } from './message.js';

/**
 * Where notifications (and drift reports) go, as the config writes it: `slack:<channel id>` or
 * `slack:#<name>`, `telegram:<chat id>[/<topic>]`, or `console`. One grammar per platform, and
 * one parser that the config check and every sender use, so a destination the config accepts
 * is always one a sender can address.
 */
const GRAMMAR: Record<Platform, RegExp> = {
  // Channel ids are upper-case letters and digits (C…, G…); names are Slack's channel-name rules.
  slack: /^slack:(?<channel>[A-Z0-9]{2,32}|#[a-z0-9_-]{1,80})$/,
  // Groups are negative (-100…); a forum topic is its message_thread_id.
  telegram: /^telegram:(?<channel>-?\d{1,20})(?:\/(?<thread>\d{1,10}))?$/,
  console: /^console$/,
};

export const DESTINATION_FORMS = 'must be "slack:<channel>", "telegram:<chat id>" or "console"';

export function isDestination(text: string): boolean {
  return Object.values(GRAMMAR).some((g) => g.test(text));
}

/**
 * The conversation a destination names. `console` is a stream of the console chat, named by
 * the caller: `notifications` (shown in every console session) unless told otherwise.
 */
export function parseDestination(text: string, consoleChannel = 'notifications'): ConversationRef {
  for (const [platform, grammar] of Object.entries(GRAMMAR) as [Platform, RegExp][]) {
    const m = grammar.exec(text);
    if (!m) continue;
    if (platform === 'console') return { platform, channel: consoleChannel };
    const { channel = '', thread } = m.groups ?? {};
    return { platform, channel, ...(thread ? { thread } : {}) };
  }
  throw new OpsbotError('E_BAD_DESTINATION', `"${text}" is not a notification destination: it ${DESTINATION_FORMS}`);
}
