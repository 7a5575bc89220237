import { describe, expect, it } from 'vitest';
import { escapeHtml, renderTelegramHtml, TELEGRAM_TEXT_LIMIT } from './render.js';

/** What a Telegram client shows for our HTML: tags removed, the four entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<\/?(b|i|pre|code)>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describe('renderTelegramHtml', () => {
  it.each([
    ['a tag', '<b>bold?</b>'],
    ['an ampersand and an entity', 'R&D &amp; &lt;'],
    ['a closing pre/code', 'x</code></pre><a href="https://evil">y</a>'],
    ['emoji and a ZWJ sequence', '🚀 deploy 👩‍💻 done'],
    ['RTL and bidi override marks', '\u200fשלום\u202e txt.exe'],
  ])('%s renders literally in every part', (_what, hostile) => {
    const { html, truncated } = renderTelegramHtml({
      status: 'failure',
      title: hostile,
      text: hostile,
      fields: [{ label: hostile, value: hostile }],
      code: hostile,
      context: hostile,
    });
    expect(truncated).toBe(false);
    // The only tags are ours.
    expect(html.match(/<[^>]*>/g)?.every((t) => /^<\/?(b|i|pre)>$/.test(t))).toBe(true);
    expect(visible(html)).toBe(`❌ ${hostile}\n${hostile}\n${hostile}: ${hostile}\n${hostile}\n${hostile}`);
  });

  it('formats title, text, fields, code and context', () => {
    const { html } = renderTelegramHtml({
      status: 'success',
      title: 'Deployed web',
      text: '1.0 → 2.0',
      fields: [{ label: 'Commit', value: 'abc123' }],
      code: 'line',
      context: 'job 4',
    });
    expect(html).toBe('✅ <b>Deployed web</b>\n1.0 → 2.0\n<b>Commit:</b> abc123\n<pre>line</pre>\n<i>job 4</i>');
  });

  it('never sends an empty text', () => {
    expect(renderTelegramHtml({}).html).toBe('…');
    expect(renderTelegramHtml({ status: 'progress' }).html).toBe('⏳');
  });

  it('cuts a long code block to the limit, keeps its head and says the rest is attached', () => {
    const code = Array.from({ length: 2000 }, (_, i) => `line ${i} <&>`).join('\n');
    const { html, truncated } = renderTelegramHtml({ title: 'Plan', text: 'Plan: 3 to add.', code });
    expect(truncated).toBe(true);
    expect(html.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(html).toMatch(/^<b>Plan<\/b>\nPlan: 3 to add\.\n<pre>line 0 &lt;&amp;&gt;\nline 1/);
    expect(html).toContain('the full text is in the attached file)</pre>');
    // No entity was cut in half.
    expect(html).not.toMatch(/&[a-z]*(?![a-z;])/);
  });

  it('cuts a long text too, and never splits a surrogate pair', () => {
    const { html, truncated } = renderTelegramHtml({ text: '🚀'.repeat(5000) });
    expect(truncated).toBe(true);
    expect(html.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(html).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('fits a message whose every part is huge', () => {
    const huge = '&'.repeat(10_000);
    const { html, truncated } = renderTelegramHtml({
      title: huge,
      text: huge,
      fields: Array.from({ length: 50 }, () => ({ label: 'f', value: huge })),
      code: huge,
      context: huge,
    });
    expect(truncated).toBe(true);
    expect(html.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
  });

  it('escapeHtml escapes the four characters Telegram names', () => {
    expect(escapeHtml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
