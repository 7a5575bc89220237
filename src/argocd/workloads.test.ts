import { describe, expect, it } from 'vitest';
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { rolledOut } from './workloads.js';

const deployment = (generation: number, spec: number, status: V1Deployment['status']): V1Deployment => ({
  metadata: { name: 'web', generation },
  spec: { replicas: spec, selector: {}, template: {} },
  status,
});

describe('rolledOut: kubectl rollout status, per workload kind', () => {
  it.each([
    [
      'done: 2/2 updated and available, observed',
      deployment(3, 2, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      true,
    ],
    // What Argo CD can call Healthy just after a sync: the controller has not seen the new spec yet.
    [
      'the controller has not observed the new spec',
      deployment(4, 2, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      false,
    ],
    [
      'one of two updated, old pods still running',
      deployment(4, 2, { observedGeneration: 4, replicas: 3, updatedReplicas: 1, availableReplicas: 2 }),
      false,
    ],
    [
      'all updated, an old pod still terminating',
      deployment(4, 2, { observedGeneration: 4, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      false,
    ],
    ['all updated, one not available yet', deployment(4, 2, { observedGeneration: 4, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), false],
    ['scaled to zero', deployment(2, 0, { observedGeneration: 2 }), true],
  ])('Deployment, %s', (_, d, expected) => expect(rolledOut('Deployment', d)).toBe(expected));

  it('StatefulSet: RollingUpdate waits for the update revision to become current; OnDelete does not', () => {
    const s = (type: string, current: string): V1StatefulSet => ({
      metadata: { generation: 2 },
      spec: { replicas: 2, selector: {}, serviceName: 'db', template: {}, updateStrategy: { type } },
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, currentRevision: current, updateRevision: 'db-2' },
    });
    expect(rolledOut('StatefulSet', s('RollingUpdate', 'db-1'))).toBe(false);
    expect(rolledOut('StatefulSet', s('RollingUpdate', 'db-2'))).toBe(true);
    expect(rolledOut('StatefulSet', s('OnDelete', 'db-1'))).toBe(true);
  });

  it('DaemonSet: every scheduled node updated and available', () => {
    const ds = (available: number): V1DaemonSet => ({
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberMisscheduled: 0,
        numberReady: available,
        updatedNumberScheduled: 3,
        numberAvailable: available,
      },
    });
    expect(rolledOut('DaemonSet', ds(2))).toBe(false);
    expect(rolledOut('DaemonSet', ds(3))).toBe(true);
  });
});
