import { describe, expect, it } from 'vitest';
import { NO_CHANGES, ONE_CREATE } from '../../test/support/fakes.js';
import { chatPlace, commentMarker, prCommentBody } from './pr-comment.js';

const base = { stack: 'core', commit: 'c'.repeat(40), requester: { platform: 'slack' as const, id: 'U1', displayName: 'alice' }, conversation: { platform: 'slack' as const, channel: 'C0INFRA' }, jobId: '12' };

describe('the plan comment on a pull request', () => {
  it('summary in view, the full plan collapsed, and where to approve it', () => {
    const body = prCommentBody({ ...base, summary: ONE_CREATE, planId: 'abcdefgh', planText: '+ terraform_data.x' });
    expect(body).toBe(
      [
        '**Plan for stack `core`** at cccccccccccc: 1 to add, 0 to change, 0 to replace, 0 to destroy.',
        '',
        '```',
        'create (1):',
        '  terraform_data.x',
        '```',
        '',
        '<details><summary>Show the full plan</summary>',
        '',
        '```diff',
        '+ terraform_data.x',
        '```',
        '',
        '</details>',
        '',
        'Plan `abcdefgh` by alice from Slack <#C0INFRA> (job 12). Approve it there: `/infra apply abcdefgh`.',
      ].join('\n'),
    );
  });

  it('no changes; a fence in the plan cannot close the block early; the marker is per stack', () => {
    const body = prCommentBody({ ...base, summary: NO_CHANGES, planText: 'x ``` y' });
    expect(body.startsWith('**No changes** for stack `core` at cccccccccccc')).toBe(true);
    expect(body).not.toContain('x ``` y');
    expect(commentMarker('core')).toBe('<!-- opsbot-plan:core -->');
    expect(chatPlace({ platform: 'telegram', channel: '-100', thread: '7' })).toBe('Telegram chat -100 (thread 7)');
  });
});
