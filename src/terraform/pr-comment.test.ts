import { describe, expect, it } from 'vitest';
import { NO_CHANGES, ONE_CREATE } from '../../test/support/fakes.js';
import { chatPlace, commentMarker, prCommentBody, withChatLink } from './pr-comment.js';

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
        // Where in chat, in words until the message exists (withChatLink then links it); which job's plan, hidden.
        'Plan `abcdefgh` by alice from <!-- chat -->Slack <#C0INFRA><!-- /chat --> (job 12). Approve it there: `/infra apply abcdefgh`. <!-- opsbot-job:12 -->',
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

  it('the chat place becomes the message link, only on the comment of the job that posted it', () => {
    const body = prCommentBody({ ...base, summary: ONE_CREATE, planId: 'abcdefgh', planText: '+ x' });
    const permalink = 'https://example.slack.com/archives/C0INFRA/p1700000000000100';
    const linked = withChatLink(body, '12', { url: permalink, text: 'the message in Slack <#C0INFRA>' });
    expect(linked).toContain(`by alice from <!-- chat -->[the message in Slack <#C0INFRA>](${permalink})<!-- /chat --> (job 12).`);
    expect(linked).not.toContain('from <!-- chat -->Slack <#C0INFRA><!-- /chat -->');
    // Linked again (a delivery repeated after a crash): the same comment.
    expect(withChatLink(linked!, '12', { url: permalink, text: 'the message in Slack <#C0INFRA>' })).toBe(linked);
    // A re-plan (job 13) replaced the comment: job 12's link does not belong there.
    expect(withChatLink(body, '13', { url: permalink, text: 'x' })).toBeUndefined();
    // No link (a private Telegram chat), or one that is not a plain https URL: the words only.
    expect(withChatLink(body, '12', { text: 'Telegram chat 42, message 7 (a private chat: Telegram has no link to it)' })).toContain(
      'from <!-- chat -->Telegram chat 42, message 7 (a private chat: Telegram has no link to it)<!-- /chat -->',
    );
    expect(withChatLink(body, '12', { url: 'javascript:alert(1)', text: 'x [y]' })).toContain('from <!-- chat -->x y<!-- /chat -->');
    expect(chatPlace({ platform: 'console', channel: 'alice' })).toBe('the opsbot console (session alice)');
  });
});
