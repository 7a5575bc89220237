import { describe, expect, it } from 'vitest';
import { planLinkFollowUp } from './plan-link.js';

const job = (platform: string, source?: { pr: number } | { branch: string }) => ({
  id: '12',
  conversation: { platform },
  payload: { stack: 'core', ...(source ? { source } : {}) },
});

describe('what a plan asks for once its message is in chat', () => {
  it('a pull request planned from Slack or Telegram: its comment is to link the message', () => {
    for (const platform of ['slack', 'telegram']) {
      expect(planLinkFollowUp(job(platform, { pr: 4 }))).toEqual({
        kind: 'plan-link',
        target: 'stack core #4',
        payload: { stack: 'core', pr: 4, planJob: '12' },
      });
    }
  });

  it('nothing for a branch, the stack branch, or the console (its comment already says where, in words)', () => {
    expect(planLinkFollowUp(job('slack', { branch: 'feature/x' }))).toBeUndefined();
    expect(planLinkFollowUp(job('slack'))).toBeUndefined();
    expect(planLinkFollowUp(job('console', { pr: 4 }))).toBeUndefined();
  });
});
