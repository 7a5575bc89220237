import { describe, expect, it } from 'vitest';
import { subscriptionsOf } from './subscriptions.js';

const on = (annotations: Record<string, string>) => subscriptionsOf({ annotations });

describe('annotation subscriptions (notifications.argoproj.io/subscribe.<trigger>.<service>)', () => {
  it('slack channels (ids or names) and telegram chats (with |topic), ;-separated', () => {
    expect(
      on({
        'notifications.argoproj.io/subscribe.on-sync-succeeded.slack': 'C0DEPLOYS; my-channel',
        'notifications.argoproj.io/subscribe.on-sync-failed.telegram': '-1001234567890|7;-1009',
        'argocd.argoproj.io/refresh': 'normal',
      }),
    ).toEqual({
      subscriptions: [
        { trigger: 'on-sync-succeeded', destinations: ['slack:C0DEPLOYS', 'slack:#my-channel'] },
        { trigger: 'on-sync-failed', destinations: ['telegram:-1001234567890/7', 'telegram:-1009'] },
      ],
      problems: [],
    });
  });

  it.each([
    ['an unknown trigger', { 'notifications.argoproj.io/subscribe.on-sync-maybe.slack': 'C0X1' }, 'unknown-trigger', /on-sync-maybe/],
    ['no trigger', { 'notifications.argoproj.io/subscribe.slack': 'C0X1' }, 'unknown-trigger', /name a trigger/],
    ['an unknown service', { 'notifications.argoproj.io/subscribe.on-deployed.email': 'a@b' }, 'unknown-service', /email/],
    ['a malformed slack recipient', { 'notifications.argoproj.io/subscribe.on-deployed.slack': 'Not A Channel!' }, 'bad-recipient', /Slack channel/],
    ['a telegram username', { 'notifications.argoproj.io/subscribe.on-deployed.telegram': 'mychannel' }, 'bad-recipient', /numeric id/],
  ])('%s is a problem, not a crash', (_, annotations, reason, detail) => {
    const { subscriptions, problems } = on(annotations);
    expect(subscriptions).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.reason).toBe(reason);
    expect(problems[0]!.detail).toMatch(detail);
  });

  it('a bad recipient does not cost the good ones beside it', () => {
    const { subscriptions, problems } = on({ 'notifications.argoproj.io/subscribe.on-deployed.slack': 'C0GOOD1;bad channel' });
    expect(subscriptions).toEqual([{ trigger: 'on-deployed', destinations: ['slack:C0GOOD1'] }]);
    expect(problems.map((p) => p.reason)).toEqual(['bad-recipient']);
  });
});
