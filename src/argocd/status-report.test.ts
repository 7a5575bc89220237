import { describe, expect, it } from 'vitest';
import { renderStatus } from './status-report.js';
import { summarizePod } from './pods.js';
import { REV_B, T1, T2, T3, app, operation, status } from '../../test/argocd/fixtures.js';

const now = Date.parse(T3) + 120_000;

describe('renderStatus', () => {
  it('sync, revision link, health, last operation with who and when, pods', () => {
    const a = app('web-prod', status({ revision: REV_B, op: operation('Succeeded', REV_B, T1, T2), reconciledAt: T3 }));
    const pods = [
      summarizePod({
        metadata: { name: 'web-1' },
        spec: { containers: [{ name: 'app', image: 'web:1' }] },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }),
    ];
    const m = renderStatus(a, pods, { env: 'prod', repoWebUrl: 'https://github.com/org/gitops/', now });
    expect(m.status).toBe('success');
    expect(m.title).toBe('web-prod (prod): Synced, Healthy');
    expect(m.fields).toEqual([
      { label: 'Sync', value: 'Synced' },
      { label: 'Revision', value: `0123456 (https://github.com/org/gitops/commit/${REV_B})` },
      { label: 'Health', value: 'Healthy' },
      { label: 'Last operation', value: 'Succeeded, 2m ago, by alice' },
      { label: 'Pods ready', value: '1/1' },
      { label: 'Image', value: 'web:1' },
    ]);
  });

  it('degraded with a failed operation and unreadable pods still answers', () => {
    const a = app(
      'web',
      status({
        sync: 'OutOfSync',
        health: 'Degraded',
        op: operation('Failed', REV_B, T1, T2, 'hook failed'),
        resources: [{ kind: 'Deployment', name: 'web', health: { status: 'Degraded', message: 'deadline exceeded' } }],
      }),
    );
    const m = renderStatus(a, undefined, { now });
    expect(m.status).toBe('failure');
    expect(m.text).toBe('hook failed\npods could not be read');
    expect(m.code).toBe('Deployment web Degraded: deadline exceeded');
  });

  it('a status that is missing entirely renders as unknown', () => {
    const m = renderStatus(app('new', undefined), [], { now });
    expect(m.title).toBe('new: unknown, unknown');
    expect(m.fields?.find((f) => f.label === 'Last operation')?.value).toBe('none recorded');
  });
});
