import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, renderBlockKit, SLACK_LIMITS, type SlackBlock } from './render.js';

const sectionTexts = (blocks: SlackBlock[]) => blocks.flatMap((b) => (b.type === 'section' && 'text' in b ? [b.text.text] : []));

describe('renderBlockKit', () => {
  it('renders header, escaped text, fields, code, context and buttons with confirm', () => {
    const out = renderBlockKit({
      status: 'success',
      title: 'Deployed web',
      text: 'a <b> & c',
      fields: [{ label: 'Commit', value: 'abc<1>' }],
      code: 'line & 1',
      context: 'job 12',
      buttons: [
        { action: { command: 'deploy approve', args: ['12'] }, label: 'Approve', style: 'primary', confirm: 'Merge into prod?' },
        { action: { command: 'deploy reject', args: ['12'] }, label: 'Reject', style: 'danger' },
      ],
    });
    expect(out.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context', 'actions']);
    expect(out.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':white_check_mark: Deployed web', emoji: true } });
    expect(sectionTexts(out.blocks)).toEqual(['a &lt;b&gt; &amp; c', '```\nline &amp; 1\n```']);
    expect(out.blocks[2]).toEqual({ type: 'section', fields: [{ type: 'mrkdwn', text: '*Commit*\nabc&lt;1&gt;' }] });
    const actions = out.blocks[5];
    expect(actions?.type === 'actions' && actions.elements.map((e) => [e.value, e.style, e.confirm?.text.text])).toEqual([
      ['deploy approve 12', 'primary', 'Merge into prod?'],
      ['deploy reject 12', 'danger', undefined],
    ]);
    expect(out.text).toBe(':white_check_mark: Deployed web: a &lt;b&gt; &amp; c');
    expect(out.files).toEqual([]);
  });

  it('keeps every limit and moves long content to files instead of cutting it silently', () => {
    const code = Array.from({ length: 400 }, (_, i) => `  # resource.number_${i} will be created`).join('\n');
    const out = renderBlockKit({
      title: 'T'.repeat(400),
      text: 'x'.repeat(7000),
      fields: Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: 'v'.repeat(2500) })),
      code,
      attachment: { name: 'plan.txt', content: 'full plan' },
      buttons: [{ action: { command: 'infra apply', args: ['ab12cd34'] }, label: 'A'.repeat(100), confirm: 'c'.repeat(500) }],
    });
    expect(out.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const b of out.blocks) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (b.type === 'section' && 'text' in b) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (b.type === 'section' && 'fields' in b) {
        expect(b.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
      if (b.type === 'actions') {
        expect(b.elements[0]!.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
        expect(b.elements[0]!.confirm!.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmText);
      }
    }
    expect(out.files.map((f) => f.name)).toEqual(['output.txt', 'plan.txt']);
    expect(out.files[0]!.content).toBe(code);
    expect(sectionTexts(out.blocks).join('\n')).toContain('the full text is in output.txt');
    expect(sectionTexts(out.blocks)[0]).toBe(`*${'T'.repeat(400)}*`);
    expect(out.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('sends the whole message as a file when it needs more than 50 blocks', () => {
    const out = renderBlockKit({ text: Array.from({ length: 60 }, () => 'y'.repeat(2900)).join('\n') });
    expect(out.blocks.length).toBe(SLACK_LIMITS.blocks);
    expect(out.files.map((f) => f.name)).toEqual(['message.txt']);
    expect(sectionTexts(out.blocks).at(-1)).toContain('all of it is in message.txt');
  });

  it('never leaves the fallback text empty, and escapes only & < >', () => {
    expect(renderBlockKit({}).text).toBe('opsbot');
    expect(renderBlockKit({ status: 'failure', text: 'no' }).blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: ':x: no' } }]);
    expect(escapeMrkdwn('<@U1> & *bold*')).toBe('&lt;@U1&gt; &amp; *bold*');
  });
});
