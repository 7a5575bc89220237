import { describe, expect, it } from 'vitest';
import { parseApplication } from './application.js';
import { progressText } from './deploy-tracker.js';

const app = (status: Record<string, unknown>) => parseApplication({ metadata: { name: 'web', namespace: 'argocd' }, status })!;

describe('progressText: what the deploy message says under its stages', () => {
  it('a sync Argo CD is retrying: the failed attempt in its own words, with the count', () => {
    const retrying = app({
      operationState: {
        phase: 'Running',
        retryCount: 2,
        message: 'one or more objects failed to apply, reason: … Retrying attempt #2 at 2026-12-07T03:49:14Z.',
        startedAt: '2026-12-07T03:48:53Z',
      },
    });
    expect(progressText(retrying)).toBe(
      'Argo CD retries the sync (2 failed so far): one or more objects failed to apply, reason: … Retrying attempt #2 at 2026-12-07T03:49:14Z.',
    );
  });

  it('a first attempt still running, and a finished one, say nothing of retries', () => {
    expect(progressText(app({ operationState: { phase: 'Running', message: 'waiting for healthy state of apps/Deployment/web' } }))).toBeUndefined();
    expect(progressText(app({ operationState: { phase: 'Failed', retryCount: 5, message: 'failed (retried 5 times).' } }))).toBeUndefined();
  });

  it('error conditions come first, one per line', () => {
    const text = progressText(
      app({
        conditions: [{ type: 'ComparisonError', message: 'rpc error: manifest generation failed' }],
        operationState: { phase: 'Running', retryCount: 1, message: 'x' },
      }),
    );
    expect(text).toBe('ComparisonError: rpc error: manifest generation failed\nArgo CD retries the sync (1 failed so far): x');
  });
});
