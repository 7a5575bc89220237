import { describe, expect, it } from 'vitest';
import { FIXTURE_PASSWORD, fixtureJson } from './fixtures.js';
import { classifyActions, summarizePlan, type GroupAction, type SummaryAction } from './plan-summary.js';
import { isTerraformError } from './errors.js';

type Counts = Partial<Record<SummaryAction, number>>;

interface Case {
  fixture: string;
  counts: Counts;
  groups: GroupAction[];
  destructive: boolean;
  noChanges: boolean;
}

// Every fixture is `tofu show -json` of a real plan of terraform/examples/local.
const cases: Case[] = [
  { fixture: 'plan-create.json', counts: { create: 5 }, groups: ['create'], destructive: false, noChanges: false },
  { fixture: 'plan-nochanges.json', counts: { noop: 5 }, groups: [], destructive: false, noChanges: true },
  { fixture: 'plan-update.json', counts: { update: 4, noop: 1 }, groups: ['update'], destructive: false, noChanges: false },
  { fixture: 'plan-replace.json', counts: { replace: 1, noop: 4 }, groups: ['replace'], destructive: true, noChanges: false },
  { fixture: 'plan-destroy.json', counts: { destroy: 1, noop: 4 }, groups: ['destroy'], destructive: true, noChanges: false },
  { fixture: 'plan-mixed.json', counts: { update: 4, replace: 1, create: 8 }, groups: ['replace', 'update', 'create'], destructive: true, noChanges: false },
  { fixture: 'plan-read.json', counts: { read: 1, create: 1, noop: 5 }, groups: ['create', 'read'], destructive: false, noChanges: false },
  { fixture: 'plan-forget.json', counts: { forget: 1, noop: 4 }, groups: ['forget'], destructive: false, noChanges: false },
];

const zero: Record<SummaryAction, number> = { create: 0, update: 0, replace: 0, destroy: 0, read: 0, forget: 0, noop: 0 };

describe('summarizePlan on real plans', () => {
  it.each(cases)('$fixture: counts, groups, destructive, noChanges', ({ fixture, counts, groups, destructive, noChanges }) => {
    const summary = summarizePlan(fixtureJson(fixture));
    expect(summary.counts).toEqual({ ...zero, ...counts });
    expect(summary.groups.map((g) => g.action)).toEqual(groups);
    expect(summary.destructive).toBe(destructive);
    expect(summary.noChanges).toBe(noChanges);
    expect(summary.errored).toBe(false);
    expect(summary.applyable).toBe(true);
  });

  it.each(cases)('$fixture: carries no attribute values and no sensitive value', ({ fixture }) => {
    const text = JSON.stringify(summarizePlan(fixtureJson(fixture)));
    expect(text).not.toContain(FIXTURE_PASSWORD);
    expect(text).not.toContain('password_sha256');
    expect(text).not.toMatch(/[0-9a-f]{64}/); // the password digest (sensitive)
    expect(text).not.toContain('db.dev.internal'); // a plain resource attribute
  });

  it('counts a replace once, not as a create plus a destroy', () => {
    const summary = summarizePlan(fixtureJson('plan-replace.json'));
    expect(summary.groups).toEqual([{ action: 'replace', addresses: ['terraform_data.release'], more: 0 }]);
    expect(summary.counts.create + summary.counts.destroy).toBe(0);
  });

  it('truncates long groups with "and N more"', () => {
    const summary = summarizePlan(fixtureJson('plan-mixed.json'), { limit: 3 });
    const create = summary.groups.find((g) => g.action === 'create');
    expect(create).toEqual({ action: 'create', addresses: ['terraform_data.worker[2]', 'terraform_data.worker[3]', 'terraform_data.worker[4]'], more: 5 });
    expect(summary.groups.find((g) => g.action === 'update')?.more).toBe(1);
  });

  it('keeps data source reads apart from managed changes', () => {
    const summary = summarizePlan(fixtureJson('plan-read.json'));
    expect(summary.groups.find((g) => g.action === 'read')?.addresses).toEqual(['data.terraform_remote_state.peer']);
  });

  it.each([
    { fixture: 'plan-destroy.json', outputs: [{ name: 'workers', action: 'update', sensitive: false, value: '["opsbot-demo-worker-0"]' }] },
    // Unknown until apply: no value; the sensitive digest: never a value.
    {
      fixture: 'plan-update.json',
      outputs: [
        { name: 'app_name', action: 'update', sensitive: false },
        { name: 'database_password_digest', action: 'update', sensitive: true },
        { name: 'workers', action: 'update', sensitive: false },
      ],
    },
    { fixture: 'plan-nochanges.json', outputs: [] },
  ])('$fixture: outputs show only known, non-sensitive values', ({ fixture, outputs }) => {
    expect(summarizePlan(fixtureJson(fixture)).outputs).toEqual(outputs);
  });

  it('cuts long output values', () => {
    const [workers] = summarizePlan(fixtureJson('plan-destroy.json'), { maxValueLength: 10 }).outputs;
    expect(workers?.value).toBe('["opsbot-…');
  });

  it('rejects something that is not a plan', () => {
    let caught: unknown;
    try {
      summarizePlan({ hello: 'world' });
    } catch (err) {
      caught = err;
    }
    expect(isTerraformError(caught) && caught.code).toBe('E_TF_BAD_OUTPUT');
  });
});

describe('classifyActions', () => {
  it.each([
    [['no-op'], 'noop'],
    [['create'], 'create'],
    [['update'], 'update'],
    [['delete'], 'destroy'],
    [['delete', 'create'], 'replace'],
    [['create', 'delete'], 'replace'],
    [['read'], 'read'],
    [['forget'], 'forget'],
    [['open'], undefined],
  ] as const)('%j -> %s', (actions, expected) => {
    expect(classifyActions(actions)).toBe(expected);
  });
});
