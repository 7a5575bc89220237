import { describe, expect, it } from 'vitest';
import { FIXTURE_PASSWORD, fixtureText } from './fixtures.js';
import { diagnosticsOf, parseLockInfo, parseUiLine, parseUiLines, type UiEvent } from './ui-events.js';

// Every fixture is the real `-json` output of tofu 1.12 on terraform/examples/local.
const typeCounts: { fixture: string; types: Record<string, number> }[] = [
  { fixture: 'ui-plan-create.jsonl', types: { version: 1, planned_change: 5, change_summary: 1, outputs: 1 } },
  { fixture: 'ui-apply.jsonl', types: { version: 1, planned_change: 5, apply_start: 5, apply_complete: 5, change_summary: 1, outputs: 1 } },
  { fixture: 'ui-apply-stale.jsonl', types: { version: 1, diagnostic: 1 } },
  { fixture: 'ui-plan-locked.jsonl', types: { version: 1, diagnostic: 1 } },
];

function countTypes(events: UiEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

// An intersection, not Extract: some members have a union `type` (e.g. HookType).
function only<T extends UiEvent['type']>(events: UiEvent[], type: T): (UiEvent & { type: T })[] {
  return events.filter((e): e is UiEvent & { type: T } => e.type === type);
}

describe('parseUiLines on real tofu -json output', () => {
  it.each(typeCounts)('$fixture: event types', ({ fixture, types }) => {
    expect(countTypes(parseUiLines(fixtureText(fixture)))).toEqual(types);
  });

  it('reads the version and the plan change summary', () => {
    const events = parseUiLines(fixtureText('ui-plan-create.jsonl'));
    expect(only(events, 'version')[0]).toMatchObject({ version: '1.12.6', ui: '1.2', level: 'info' });
    expect(only(events, 'change_summary')[0]).toMatchObject({ operation: 'plan', add: 5, change: 0, remove: 0, import: 0, forget: 0 });
    expect(only(events, 'planned_change').map((e) => e.action)).toEqual(Array(5).fill('create'));
  });

  it('reads apply progress and keeps output values only when not sensitive', () => {
    const events = parseUiLines(fixtureText('ui-apply.jsonl'));
    expect(only(events, 'apply_complete').map((e) => e.address).sort()).toEqual([
      'terraform_data.app',
      'terraform_data.database',
      'terraform_data.release',
      'terraform_data.worker[0]',
      'terraform_data.worker[1]',
    ]);
    expect(only(events, 'apply_complete')[0]?.elapsedSeconds).toBe(0);
    const [outputs] = only(events, 'outputs');
    expect(outputs?.outputs.app_name).toEqual({ sensitive: false, action: undefined, value: 'opsbot-demo' });
    expect(outputs?.outputs.database_password_digest).toEqual({ sensitive: true, action: undefined });
    expect(JSON.stringify(events)).not.toContain(FIXTURE_PASSWORD);
    // Resource IDs are not carried.
    expect(JSON.stringify(events)).not.toContain('id_value');
  });

  it.each([
    { fixture: 'ui-apply-stale.jsonl', summary: 'Saved plan is stale', filename: undefined, line: undefined },
    { fixture: 'ui-plan-locked.jsonl', summary: 'Error acquiring the state lock', filename: undefined, line: undefined },
    { fixture: 'ui-plan-invalid.jsonl', summary: 'Invalid value for variable', filename: 'main.tf', line: 29 },
  ])('$fixture: diagnostic "$summary"', ({ fixture, summary, filename, line }) => {
    const [diag] = diagnosticsOf(parseUiLines(fixtureText(fixture)));
    expect(diag).toMatchObject({ severity: 'error', summary, filename, line });
  });

  it('reads an interrupted apply: the log lines, the errored resource and the diagnostics', () => {
    const events = parseUiLines(fixtureText('ui-apply-interrupted.jsonl'));
    expect(only(events, 'log').some((e) => e.message.includes('Interrupt received'))).toBe(true);
    expect(only(events, 'apply_errored')).toMatchObject([{ address: 'terraform_data.slow', action: 'create' }]);
    expect(only(events, 'provision_start')).toMatchObject([{ address: 'terraform_data.slow', provisioner: 'local-exec' }]);
    expect(diagnosticsOf(events).map((d) => d.summary)).toContain('local-exec provisioner error');
  });
});

describe('parseLockInfo', () => {
  it('reads the lock holder from a real lock diagnostic', () => {
    const [diag] = diagnosticsOf(parseUiLines(fixtureText('ui-plan-locked.jsonl')));
    const lock = parseLockInfo(diag?.detail ?? '');
    expect(lock).toMatchObject({ path: 'terraform.tfstate', operation: 'OperationTypeApply', who: 'root@vm', version: '1.12.6' });
    expect(lock?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lock?.created).toMatch(/^\d{4}-\d\d-\d\d /);
    expect(lock?.info).toBeUndefined(); // empty in the real output
  });

  it('returns undefined when there is no lock block', () => {
    expect(parseLockInfo('Error: something else')).toBeUndefined();
  });
});

describe('parseUiLine edge cases', () => {
  it.each([
    { line: '', expected: undefined },
    { line: '   ', expected: undefined },
    { line: 'panic: runtime error', expected: { type: 'text', level: 'info', message: 'panic: runtime error' } },
    { line: '{"no":"envelope"}', expected: { type: 'text', level: 'info', message: '{"no":"envelope"}' } },
    {
      line: '{"@level":"info","@message":"m","type":"future_event"}',
      expected: { type: 'unknown', rawType: 'future_event', level: 'info', message: 'm', timestamp: undefined },
    },
  ])('$line', ({ line, expected }) => {
    expect(parseUiLine(line)).toEqual(expected);
  });
});
