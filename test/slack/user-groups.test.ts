import { webApi } from '@slack/bolt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackUserGroups } from '../../src/bot/adapters/slack/user-groups.js';
import { startSlackApi, type SlackApiDouble } from '../support/slack-api.js';
import { BOT_TOKEN } from './slack-harness.js';

/** Slack user groups → opsbot groups, through usergroups.users.list at the Slack stand-in. */
describe('SlackUserGroups', () => {
  let slack: SlackApiDouble;
  beforeAll(async () => {
    slack = await startSlackApi({ token: BOT_TOKEN });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('maps members to group identities, follows changes on refresh, and drops a group that stays unreadable', async () => {
    let now = 1_000_000;
    const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    slack.userGroups.S0SRE = ['U0ALICE', 'U0BOB'];
    slack.userGroups.S0DEV = ['U0BOB'];
    const groups = new SlackUserGroups({
      client,
      mapping: { S0SRE: 'sre', S0DEV: 'dev' },
      log: pino({ level: 'silent' }),
      now: () => now,
      maxStaleMs: 60_000,
    });
    await groups.refresh();
    expect(groups.groupsOf('U0ALICE')).toEqual(['group:sre']);
    expect(groups.groupsOf('U0BOB')).toEqual(['group:sre', 'group:dev']);
    expect(groups.groupsOf('U0EVE')).toEqual([]);

    slack.userGroups.S0SRE = ['U0BOB'];
    await groups.refresh();
    expect(groups.groupsOf('U0ALICE')).toEqual([]);

    slack.failNext('usergroups.users.list', 'no_such_subteam', 2);
    now += 30_000;
    await groups.refresh();
    expect(groups.groupsOf('U0BOB')).toEqual(['group:sre', 'group:dev']); // stale but recent: kept
    now += 60_000;
    expect(groups.groupsOf('U0BOB')).toEqual([]); // too stale: dropped
    expect(slack.callsOf('usergroups.users.list').every((c) => c.authorized)).toBe(true);
  });
});
