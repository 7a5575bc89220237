import type { webApi } from '@slack/bolt';
import type { Logger } from '../../../core/logger.js';

/** Membership changes in Slack are rare; five minutes keeps usergroups.users.list (Tier 2: 20/min) far from its limit. */
const DEFAULT_REFRESH_MS = 5 * 60_000;
/** A group whose refresh keeps failing is dropped after this long: stale access must not last. */
const DEFAULT_MAX_STALE_MS = 30 * 60_000;

interface Membership {
  users: Set<string>;
  fetchedAt: number;
}

/**
 * Slack user groups (`S0…`) → opsbot groups (`group:<name>`), cached and refreshed in the
 * background so an access check never waits on Slack. Ready to be handed to the policy as a
 * source of extra identities for `slack:<user id>` subjects (see the adapter's README notes).
 */
export class SlackUserGroups {
  private readonly members = new Map<string, Membership>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      client: Pick<webApi.WebClient, 'usergroups'>;
      /** Slack user-group id → opsbot group name. */
      mapping: Record<string, string>;
      log: Logger;
      refreshMs?: number;
      maxStaleMs?: number;
      now?: () => number;
    },
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshMs ?? DEFAULT_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The opsbot groups of a Slack user, as policy identities (`group:sre`). */
  groupsOf(userId: string): string[] {
    const now = (this.deps.now ?? Date.now)();
    const maxStale = this.deps.maxStaleMs ?? DEFAULT_MAX_STALE_MS;
    const out: string[] = [];
    for (const [slackGroup, group] of Object.entries(this.deps.mapping)) {
      const m = this.members.get(slackGroup);
      if (m && now - m.fetchedAt <= maxStale && m.users.has(userId)) out.push(`group:${group}`);
    }
    return out;
  }

  /** Fetch every mapped group; one that fails keeps its last membership until it is too stale. */
  async refresh(): Promise<void> {
    await Promise.all(
      Object.keys(this.deps.mapping).map(async (usergroup) => {
        try {
          const res = await this.deps.client.usergroups.users.list({ usergroup });
          this.members.set(usergroup, { users: new Set(res.users ?? []), fetchedAt: (this.deps.now ?? Date.now)() });
        } catch (err) {
          this.deps.log.warn({ usergroup, err: (err as Error).message }, 'slack user group not refreshed');
        }
      }),
    );
  }
}
