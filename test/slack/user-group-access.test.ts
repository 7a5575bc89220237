import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackRig, type SlackRig, WEB_STAGING_APP } from './slack-harness.js';

/** chat.slack.userGroups: members of a Slack user group count as an opsbot group in access rules. */
describe('Slack user groups in access rules', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig({
      configTail: `
${WEB_STAGING_APP}groups:
  sre: []
access:
  rules:
    - subjects: ["group:sre"]
      actions: [deploy]
chat:
  slack:
    userGroups: { S0SRE0001: sre }
`,
      beforeStart: (slack) => {
        slack.userGroups.S0SRE0001 = ['U0MEMBER1'];
      },
    });
  }, 60_000);
  afterAll(async () => rig?.close());

  it('a member of the mapped Slack group may deploy; someone outside it is denied', async () => {
    const before = await rig.head();
    const outsider = await rig.slash('/deploy', 'web 2.0.0 staging', { user: 'U0OUTSIDE' });
    expect(outsider.json?.text ?? outsider.text).toContain('Denied: slack:U0OUTSIDE may not deploy');
    expect(await rig.head()).toBe(before);
    const member = await rig.slash('/deploy', 'web 2.0.0 staging', { user: 'U0MEMBER1' });
    expect(member.json?.text ?? member.text).toMatch(/Queued as job \d+/);
    expect(rig.slack.callsOf('usergroups.users.list').length).toBeGreaterThan(0);
  });
});
