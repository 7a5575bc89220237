import { describe, expect, it } from 'vitest';
import { FIXTURE_PASSWORD, fixtureJson } from './fixtures.js';
import { formatDiagnostics, planMessage } from './plan-message.js';
import { summarizePlan } from './plan-summary.js';

const plan = { id: 'abcdefgh', expiresAt: Date.parse('2030-01-01T00:00:00Z'), approvalsRequired: 1, requesterMayApprove: false };

describe('planMessage', () => {
  it.each([
    { fixture: 'plan-create.json', status: 'success', text: 'Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy.', confirm: false },
    { fixture: 'plan-destroy.json', status: 'warning', text: '⚠ THIS PLAN DESTROYS 1 RESOURCE.', confirm: true },
    { fixture: 'plan-replace.json', status: 'warning', text: '⚠ THIS PLAN REPLACES 1 RESOURCE.', confirm: true },
    { fixture: 'plan-mixed.json', status: 'warning', text: '1 to replace', confirm: true },
  ])('$fixture: $status, Approve/Reject buttons are the text commands', ({ fixture, status, text, confirm }) => {
    const m = planMessage({ stack: 'core', summary: summarizePlan(fixtureJson(fixture)), commit: 'a'.repeat(40), plan, planText: 'full text' });
    expect(m.status).toBe(status);
    expect(m.text).toContain(text);
    expect(m.buttons?.map((b) => b.action)).toEqual([{ command: 'infra apply', args: ['abcdefgh'] }, { command: 'infra reject', args: ['abcdefgh'] }]);
    expect(m.buttons?.[0]?.style).toBe('primary');
    expect(m.buttons?.[0]?.confirm !== undefined).toBe(confirm);
    expect(m.attachment).toEqual({ name: 'plan-abcdefgh.txt', content: 'full text' });
    expect(JSON.stringify(m)).not.toContain(FIXTURE_PASSWORD);
    // Telegram allows 64 bytes of callback_data: the command text a button stands for fits.
    for (const b of m.buttons ?? []) expect(Buffer.byteLength([b.action.command, ...b.action.args].join(' '))).toBeLessThanOrEqual(64);
  });

  it('says "no changes" and asks for no approval', () => {
    const m = planMessage({ stack: 'core', summary: summarizePlan(fixtureJson('plan-nochanges.json')), commit: null, plan });
    expect(m.title).toBe('No changes: stack core');
    expect(m.buttons).toBeUndefined();
    expect(m.fields).toContainEqual({ label: 'Commit', value: 'no commit (plain directory)' });
  });

  it('groups addresses, most alarming first, with "and N more"', () => {
    const m = planMessage({ stack: 'core', summary: summarizePlan(fixtureJson('plan-mixed.json'), { limit: 2 }), commit: null, plan });
    const code = m.code ?? '';
    expect(code.indexOf('⚠ REPLACE')).toBeLessThan(code.indexOf('update in place'));
    expect(code).toContain('… and 6 more');
  });
});

describe('formatDiagnostics', () => {
  it('errors first, with file:line and detail', () => {
    const text = formatDiagnostics([
      { severity: 'warning', summary: 'Deprecated', detail: '' },
      { severity: 'error', summary: 'Reference to undeclared input variable', detail: 'An input variable "x" has not been declared.', filename: 'main.tf', line: 3 },
    ]);
    expect(text.split('\n')[0]).toBe('Error: Reference to undeclared input variable (main.tf:3)');
    expect(text).toContain('Warning: Deprecated');
  });
});
