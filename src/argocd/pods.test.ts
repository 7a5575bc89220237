import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { podSelectorFor, renderPods, summarizePod } from './pods.js';

function pod(
  name: string,
  opts: { ready?: boolean; image?: string; waiting?: string; terminated?: string; last?: string; restarts?: number; phase?: string },
): V1Pod {
  const image = opts.image ?? 'ghcr.io/example/web:1.2.0';
  return {
    metadata: { name },
    spec: { containers: [{ name: 'app', image }] },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'app',
          image,
          imageID: '',
          ready: opts.ready ?? false,
          restartCount: opts.restarts ?? 0,
          state: opts.waiting
            ? { waiting: { reason: opts.waiting } }
            : opts.terminated
              ? { terminated: { exitCode: 137, reason: opts.terminated } }
              : { running: {} },
          lastState: opts.last ? { terminated: { exitCode: 137, reason: opts.last } } : {},
        },
      ],
    },
  };
}

describe('pods', () => {
  it.each([
    ['ImagePullBackOff', pod('a', { waiting: 'ImagePullBackOff' }), ['app: ImagePullBackOff']],
    ['ErrImagePull', pod('a', { waiting: 'ErrImagePull' }), ['app: ErrImagePull']],
    [
      'CrashLoopBackOff after OOMKilled',
      pod('a', { waiting: 'CrashLoopBackOff', last: 'OOMKilled', restarts: 4 }),
      ['app: CrashLoopBackOff', 'app: last OOMKilled'],
    ],
    ['OOMKilled now', pod('a', { terminated: 'OOMKilled' }), ['app: OOMKilled']],
    ['ContainerCreating is not a problem', pod('a', { waiting: 'ContainerCreating', phase: 'Pending' }), []],
    ['healthy', pod('a', { ready: true }), []],
  ])('%s', (_, p, reasons) => expect(summarizePod(p).reasons).toEqual(reasons));

  it('a half-done rollout shows mixed images, readiness and the reason', () => {
    const view = renderPods([
      summarizePod(pod('web-old-1', { ready: true, image: 'ghcr.io/example/web:1.1.0' })),
      summarizePod(pod('web-new-1', { ready: false, waiting: 'ImagePullBackOff', image: 'ghcr.io/example/web:1.2.0' })),
    ]);
    expect(view.fields).toEqual([
      { label: 'Pods ready', value: '1/2' },
      { label: 'Problems', value: 'ImagePullBackOff' },
      { label: 'Images (mixed)', value: 'ghcr.io/example/web:1.1.0, ghcr.io/example/web:1.2.0' },
    ]);
    expect(view.code.split('\n')[0]).toBe('web-new-1  0/1  Running  restarts=0  ghcr.io/example/web:1.2.0  app: ImagePullBackOff');
  });

  it('no pods', () => expect(renderPods([]).fields).toEqual([{ label: 'Pods', value: 'none found' }]));
  it('selector: configured, else the tracking label', () => {
    expect(podSelectorFor('web-prod')).toBe('app.kubernetes.io/instance=web-prod');
    expect(podSelectorFor('web-prod', 'app=web')).toBe('app=web');
  });
});
