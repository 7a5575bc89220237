/**
 * Slack channel names → ids. Routes and annotation subscriptions may name a channel
 * (`slack:#deploys`); Slack's Web API wants its id for everything opsbot does with it after the
 * post (conversations.history to find a post whose answer was lost, chat.update by channel and
 * ts, the records keyed by channel), and a channel may be renamed. So a name is resolved once
 * through conversations.list (public and private channels the bot can see; scopes
 * `channels:read`, `groups:read`) and kept; an unknown name is looked up again at most once a
 * minute, and until then refused with the reason (the message is parked, never posted by name).
 */
import type { App } from '@slack/bolt';
import { DeliveryError } from '../../../jobs/outbox.js';
import { toDeliveryError } from './web-api-errors.js';

type SlackClient = App['client'];

/** An unknown name is not asked about again sooner: a flood of messages to it costs one list a minute. */
export const RELIST_AFTER_MS = 60_000;

export class SlackChannelDirectory {
  private readonly ids = new Map<string, string>();
  private listedAt = -Infinity;
  private listing: Promise<void> | undefined;

  constructor(
    private readonly client: SlackClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The channel's id: an id is returned as it is; `#name` is looked up. */
  async idOf(channel: string): Promise<string> {
    if (!channel.startsWith('#')) return channel;
    const name = channel.slice(1).toLowerCase();
    const known = this.ids.get(name);
    if (known) return known;
    if (this.now() - this.listedAt >= RELIST_AFTER_MS) await this.relist();
    const id = this.ids.get(name);
    if (id) return id;
    throw new DeliveryError(
      `Slack channel #${name} was not found among the channels the bot can see (conversations.list): create it, invite the bot, or name the channel by its id`,
      { permanent: true },
    );
  }

  private relist(): Promise<void> {
    // One listing at a time: lanes of several conversations may ask at once.
    this.listing ??= this.list().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private async list(): Promise<void> {
    const found = new Map<string, string>();
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const c of page.channels ?? []) if (c.name && c.id) found.set(c.name.toLowerCase(), c.id);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (err) {
      // 429 or a missing scope: the delivery loop retries (or parks, for a permanent refusal).
      throw toDeliveryError(err, 'listing Slack channels (conversations.list)');
    }
    this.ids.clear();
    for (const [name, id] of found) this.ids.set(name, id);
    this.listedAt = this.now();
  }
}
