import { describe, expect, it } from 'vitest';
import { routeSchema } from '../core/config/schema.js';
import { destinationsFor, routedTriggers } from './notifier.js';
import { renderNotification } from './notification-message.js';
import { REV_B, T1, T2, T3, app, operation, status } from '../../test/argocd/fixtures.js';

const routes = [
  routeSchema.parse({ apps: ['web*'], triggers: ['on-sync-failed', 'on-deployed'], to: ['slack:C0DEPLOYS'] }),
  routeSchema.parse({ projects: ['payments'], triggers: ['on-sync-failed'], to: ['telegram:-100123'] }),
  routeSchema.parse({ labels: { tier: 'critical' }, triggers: ['on-health-degraded', 'on-sync-failed'], to: ['slack:C0PAGER', 'slack:C0DEPLOYS'] }),
];

describe('routes', () => {
  it.each([
    ['web-prod', {}, 'default', 'on-sync-failed', ['slack:C0DEPLOYS']],
    ['api', {}, 'payments', 'on-sync-failed', ['telegram:-100123']],
    ['api', { tier: 'critical' }, 'default', 'on-sync-failed', ['slack:C0PAGER', 'slack:C0DEPLOYS']],
    ['web', { tier: 'critical' }, 'default', 'on-sync-failed', ['slack:C0DEPLOYS', 'slack:C0PAGER']],
    ['api', { tier: 'low' }, 'default', 'on-health-degraded', []],
    ['web', {}, 'default', 'on-created', []],
  ] as const)('%s labels=%j project=%s %s → %j', (name, labels, project, trigger, want) => {
    const a = { ...app(name, status({})), labels: { ...labels }, project };
    expect(destinationsFor(routes, a, trigger)).toEqual(want);
  });

  it('routedTriggers lists what any matching route wants', () => {
    expect(routedTriggers(routes, { ...app('web', status({})), labels: { tier: 'critical' } }).sort()).toEqual([
      'on-deployed',
      'on-health-degraded',
      'on-sync-failed',
    ]);
  });
});

describe('renderNotification', () => {
  it('sync failed: revision, health, phase, message, non-healthy resources', () => {
    const a = app(
      'web',
      status({
        sync: 'OutOfSync',
        revision: REV_B,
        health: 'Degraded',
        op: operation('Failed', REV_B, T1, T2, 'one or more objects failed to apply'),
        reconciledAt: T3,
        resources: [
          { kind: 'Deployment', name: 'web', namespace: 'web', health: { status: 'Degraded', message: 'progress deadline' } },
          { kind: 'Service', name: 'web', health: { status: 'Healthy' } },
        ],
      }),
    );
    expect(renderNotification(a, 'on-sync-failed')).toEqual({
      status: 'failure',
      title: 'web failed to sync',
      text: 'one or more objects failed to apply',
      fields: [
        { label: 'Sync', value: 'OutOfSync' },
        { label: 'Revision', value: '0123456' },
        { label: 'Health', value: 'Degraded' },
        { label: 'Operation', value: 'Failed (by alice)' },
        { label: 'Project', value: 'default' },
      ],
      code: 'Deployment web/web Degraded: progress deadline',
      context: 'Argo CD Application argocd/web',
    });
  });
});
