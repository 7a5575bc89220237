import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { connectKube, requireKube } from './kube.js';
import { Backoff } from '../core/backoff.js';
import { ForbiddenReport, kubeError } from './kube-errors.js';
import { ArgocdError } from './errors.js';

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: https://a.example:6443 }
- name: b
  cluster: { server: https://b.example:6443 }
users:
- name: u
  user: { token: t }
contexts:
- name: ctx-a
  context: { cluster: a, user: u }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ctx-a
`;

describe('connectKube', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-kube-'));
  const file = join(dir, 'config');
  writeFileSync(file, kubeconfig);

  it('no KUBECONFIG and not in a cluster → undefined, and requireKube says E_NO_CLUSTER', () => {
    expect(connectKube({ env: {} })).toBeUndefined();
    expect(() => requireKube(undefined)).toThrow(expect.objectContaining({ code: 'E_NO_CLUSTER' }));
  });
  it('KUBECONFIG (first existing path of the list), context selectable', () => {
    expect(connectKube({ env: { KUBECONFIG: `/nonexistent:${file}` } })?.server).toBe('https://a.example:6443');
    expect(connectKube({ env: { KUBECONFIG: file }, context: 'ctx-b' })?.server).toBe('https://b.example:6443');
  });
  it('an unknown context is a clear configuration error', () => {
    expect(() => connectKube({ kubeconfig: file, context: 'prod' })).toThrow(
      /argocd.context "prod" is not in kubeconfig .* \(contexts: ctx-a, ctx-b\)/,
    );
  });
});

describe('kubeError', () => {
  const status = (code: number, message: string) => JSON.stringify({ kind: 'Status', code, message });
  it.each([
    [
      new ApiException(403, 'x', status(403, 'pods is forbidden'), {}),
      'E_KUBE_FORBIDDEN',
      /^opsbot may not list pods: .*403 Forbidden \(pods is forbidden\)/,
    ],
    [new ApiException(401, 'x', undefined, {}), 'E_KUBE_FORBIDDEN', /rejected opsbot's credentials \(401\)/],
    [new ApiException(500, 'x', status(500, 'etcdserver: timeout'), {}), 'E_KUBE_UNREACHABLE', /answered 500 \(etcdserver: timeout\)/],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }),
      'E_KUBE_UNREACHABLE',
      /unreachable \(connect ECONNREFUSED/,
    ],
  ])('%#: %s', (err, code, text) => {
    const e = kubeError(err, 'list pods');
    expect(e.code).toBe(code);
    expect(e.message).toMatch(text);
  });
});

describe('ForbiddenReport and Backoff', () => {
  it('reports a 403 once across retries, and recovery once', () => {
    const said: string[] = [];
    const r = new ForbiddenReport(
      (e) => said.push(e.code),
      (w) => said.push(`ok ${w}`),
    );
    const e = new ArgocdError('E_KUBE_FORBIDDEN', 'no', { httpStatus: 403 });
    for (let i = 0; i < 5; i++) r.failed(e);
    r.succeeded('list');
    r.succeeded('list');
    expect(said).toEqual(['E_KUBE_FORBIDDEN', 'ok list']);
  });
  it('backs off exponentially up to the cap, with jitter', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 });
    const waits = Array.from({ length: 8 }, () => b.next());
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
    expect(waits[7]).toBeGreaterThanOrEqual(500);
  });
});
