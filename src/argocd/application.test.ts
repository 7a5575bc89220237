import { describe, expect, it } from 'vitest';
import { parseApplication, sameRevision, shortRevision, syncedRevisions, operationRevisions } from './application.js';
import { REV_A, REV_B, app, operation, rawApp, status } from '../../test/argocd/fixtures.js';

describe('parseApplication: tolerant reading', () => {
  const malformed: [string, unknown][] = [
    ['status is a string', 'broken'],
    ['status is an array', [1, 2]],
    ['sync is a number', { sync: 42, health: { status: 'Healthy' } }],
    ['health.status is an object', { health: { status: { nested: true } } }],
    ['operationState is null', { operationState: null }],
    ['syncResult.revisions has junk', { operationState: { phase: 'Succeeded', syncResult: { revisions: [1, null, 'abc'] } } }],
    ['resources is an object', { resources: { kind: 'Deployment' } }],
    ['resources holds nulls', { resources: [null, 3, { kind: 'Deployment', health: 'bad' }] }],
    ['reconciledAt is a number', { reconciledAt: 17 }],
  ];
  it.each(malformed)('%s → never throws, missing fields are undefined', (_, st) => {
    const raw = { ...rawApp('web', undefined), status: st };
    const a = parseApplication(raw);
    expect(a?.name).toBe('web');
    expect(a?.sync.revisions).toBeInstanceOf(Array);
  });

  it.each([
    ['null', null],
    ['no metadata', { spec: {} }],
    ['no namespace', { metadata: { name: 'x' } }],
    ['name not a string', { metadata: { name: 3, namespace: 'argocd' } }],
  ])('%s → not an Application (undefined)', (_, raw) => {
    expect(parseApplication(raw)).toBeUndefined();
  });

  it('reads the fields opsbot uses', () => {
    const a = app(
      'web',
      status({
        sync: 'OutOfSync',
        revision: REV_B,
        health: 'Degraded',
        op: operation('Failed', REV_B, 'T', 'U', 'boom'),
        resources: [{ kind: 'Deployment', name: 'web', health: { status: 'Degraded', message: 'deadline' } }],
      }),
      { labels: { team: 'a', n: 1 } },
    );
    expect(a).toMatchObject({
      project: 'default',
      destinationNamespace: 'web',
      labels: { team: 'a' },
      sync: { status: 'OutOfSync', revision: REV_B },
      health: { status: 'Degraded' },
      operationState: { phase: 'Failed', message: 'boom', syncRevision: REV_B, initiatedBy: { username: 'alice', automated: false } },
      resources: [{ kind: 'Deployment', name: 'web', health: { status: 'Degraded', message: 'deadline' } }],
      statusMissing: false,
    });
    expect(app('web', undefined).statusMissing).toBe(true);
  });

  it('multi-source: revisions[] win over revision', () => {
    const a = parseApplication({
      ...rawApp('m', undefined),
      spec: { sources: [{ repoURL: 'r1' }, { repoURL: 'r2' }] },
      status: {
        sync: { status: 'Synced', revisions: [REV_A, REV_B] },
        operationState: { phase: 'Succeeded', syncResult: { revisions: [REV_A, REV_B] } },
      },
    })!;
    expect(a.sources).toHaveLength(2);
    expect(syncedRevisions(a)).toEqual([REV_A, REV_B]);
    expect(operationRevisions(a.operationState!)).toEqual([REV_A, REV_B]);
  });
});

describe('revisions', () => {
  it.each([
    [REV_A, REV_A, true],
    [REV_A, REV_A.slice(0, 7), true],
    [REV_A, REV_A.slice(0, 6), false],
    [REV_A, REV_B, false],
    ['v1.2.3', 'v1.2.3', true],
    ['v1.2.3', 'v1.2', false],
  ])('sameRevision(%s, %s) = %s', (a, b, want) => expect(sameRevision(a, b)).toBe(want));

  it.each([
    [REV_B, '0123456'],
    ['1.4.2', '1.4.2'],
    [undefined, 'unknown'],
  ])('shortRevision(%s) = %s', (r, want) => expect(shortRevision(r)).toBe(want));
});
