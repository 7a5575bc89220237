import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGitopsError } from '../errors.js';
import { envPlace } from './config-env.js';
import { literalsPlace } from './config-literals.js';
import { configMapPlace, helmValuesPlace } from './config-map.js';
import { editConfig, type ConfigPlace } from './config-place.js';
import { lineChanges } from './line-changes.js';
import { bumpRestartedAt } from './restart-annotation.js';
import { loadDocuments } from './yaml-splice.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const example = (path: string) => readFileSync(new URL(`../../../gitops/${path}`, import.meta.url), 'utf8');

const backend = () => envPlace('apps/backend/deployment.yaml', 'backend');
const literals = () => literalsPlace('k.yaml', 'reports-config');
const cache = () => configMapPlace('cache.yaml', undefined);
const api = () => helmValuesPlace('apps/api/values.yaml', 'env');

describe('listing', () => {
  it('env: values as written, valueFrom as where it comes from, a Secret never named, envFrom as notes', () => {
    expect(backend().list(fixture('config-backend-multidoc.yaml'))).toEqual({
      entries: [
        { key: 'LOG_LEVEL', value: 'info' },
        { key: 'WORKERS', value: '4' },
        { key: 'DB_PASSWORD', value: null, from: 'a Secret', secret: true },
        { key: 'POD_NAME', value: null, from: 'field metadata.name' },
        { key: 'FEATURE_X', value: 'on' },
      ],
      notes: ['envFrom: Secret backend-kv-secrets (values not shown)'],
    });
  });
  it('the init container listed first is a container of its own', () => {
    expect(envPlace('f', 'migrate').list(fixture('config-backend-multidoc.yaml')).entries).toEqual([{ key: 'LOG_LEVEL', value: 'warn' }]);
  });
  it('literals, ConfigMap data, Helm values under a prefix', () => {
    expect(literals().list(fixture('config-kustomization.yaml')).entries).toEqual([{ key: 'LOG_LEVEL', value: 'info' }, { key: 'REPORT_DAY', value: 'monday' }]);
    expect(cache().list(fixture('config-configmap.yaml')).entries).toEqual([{ key: 'TTL', value: '300' }, { key: 'MODE', value: 'lru' }]);
    expect(api().list(example('apps/api/values.yaml')).entries).toEqual([{ key: 'LOG_LEVEL', value: 'info' }, { key: 'DATABASE_HOST', value: 'postgres.postgres.svc' }]);
  });
});

interface Case {
  name: string;
  place: () => ConfigPlace;
  file: string;
  set?: Record<string, string>;
  unset?: string[];
  removed: string[];
  added: string[];
}

const cases: Case[] = [
  { name: 'env: a quoted value keeps its quotes and its comment', place: backend, file: 'config-backend-multidoc.yaml', set: { LOG_LEVEL: 'debug' },
    removed: ['              value: "info" # lowered after the incident'], added: ['              value: "debug" # lowered after the incident'] },
  { name: 'env: a number-looking value stays a string', place: backend, file: 'config-backend-multidoc.yaml', set: { WORKERS: '8' },
    removed: ['              value: "4"'], added: ['              value: "8"'] },
  { name: "env: single quotes kept; 'on' would be a YAML 1.1 bool", place: backend, file: 'config-backend-multidoc.yaml', set: { FEATURE_X: 'off' },
    removed: ["              value: 'on'"], added: ["              value: 'off'"] },
  { name: 'env: a new key is one more entry after the last', place: backend, file: 'config-backend-multidoc.yaml', set: { CACHE_TTL: '300' },
    removed: [], added: ['            - name: CACHE_TTL', '              value: "300"'] },
  { name: 'env: unset removes exactly its entry', place: backend, file: 'config-backend-multidoc.yaml', unset: ['WORKERS'],
    removed: ['            - name: WORKERS', '              value: "4"'], added: [] },
  { name: 'env: the init container is edited only when named', place: () => envPlace('f', 'migrate'), file: 'config-backend-multidoc.yaml', set: { LOG_LEVEL: 'info' },
    removed: ['              value: warn'], added: ['              value: info'] },
  { name: 'literals: one line per key, comment kept', place: literals, file: 'config-kustomization.yaml', set: { LOG_LEVEL: 'debug' },
    removed: ['      - LOG_LEVEL=info   # default'], added: ['      - LOG_LEVEL=debug   # default'] },
  { name: 'literals: added and removed', place: literals, file: 'config-kustomization.yaml', set: { TZ: 'UTC' }, unset: ['REPORT_DAY'],
    removed: ['      - REPORT_DAY=monday'], added: ['      - TZ=UTC'] },
  { name: 'ConfigMap data: set and add, one line each', place: cache, file: 'config-configmap.yaml', set: { TTL: '600' },
    removed: ['  TTL: "300"'], added: ['  TTL: "600"'] },
  { name: 'ConfigMap data: new key after the last', place: cache, file: 'config-configmap.yaml', set: { EVICT: 'true' },
    removed: [], added: ['  EVICT: "true"'] },
];

describe('editConfig: the diff is the changed keys, nothing else', () => {
  it.each(cases)('$name', (c) => {
    const before = fixture(c.file);
    const result = editConfig(before, c.place(), { set: c.set ?? {}, unset: c.unset ?? [] });
    expect(result.changed).toBe(true);
    const diff = lineChanges(before, result.text);
    expect({ removed: diff.removed, added: diff.added }).toEqual({ removed: c.removed, added: c.added });
    expect(() => loadDocuments(result.text, c.file)).not.toThrow();
    const listed = Object.fromEntries(c.place().list(result.text).entries.map((e) => [e.key, e.value]));
    for (const [k, v] of Object.entries(c.set ?? {})) expect(listed[k]).toBe(v);
    for (const k of c.unset ?? []) expect(listed).not.toHaveProperty(k);
  });

  it('Helm values: the anchored map changes, and its alias with it', () => {
    const before = example('apps/api/values.yaml');
    const result = editConfig(before, api(), { set: { LOG_LEVEL: 'debug', FEATURE_FLAGS: 'a,b' }, unset: ['DATABASE_HOST'] });
    expect(result.changes).toEqual([
      { key: 'LOG_LEVEL', old: 'info', new: 'debug' },
      { key: 'FEATURE_FLAGS', old: null, new: 'a,b' },
      { key: 'DATABASE_HOST', old: 'postgres.postgres.svc', new: null },
    ]);
    expect(result.text).toContain('env: &env\n  LOG_LEVEL: debug\n  FEATURE_FLAGS: a,b\n\nmigrations:\n  enabled: true\n  env: *env\n');
  });

  it('the worker example gets an env list where it had none, and loses it with the last key', () => {
    const before = example('apps/worker/deployment.yaml').replace(/ {10}env:\n( {12}.*\n)+/, '');
    const place = envPlace('w', 'worker');
    const added = editConfig(before, place, { set: { LOG_LEVEL: 'debug' }, unset: [] });
    expect(lineChanges(before, added.text).added).toEqual(['          env:', '            - name: LOG_LEVEL', '              value: debug']);
    const removed = editConfig(added.text, place, { set: {}, unset: ['LOG_LEVEL'] });
    expect(removed.text).toBe(before);
  });

  it('a key already at its value, or absent, is no change', () => {
    const before = fixture('config-backend-multidoc.yaml');
    expect(editConfig(before, backend(), { set: { LOG_LEVEL: 'info' }, unset: ['NOPE'] })).toEqual({ text: before, changes: [], changed: false });
  });
});

describe('refusals name the file and the reason', () => {
  const refusals: { name: string; place: () => ConfigPlace; file: string; set?: Record<string, string>; unset?: string[]; code: string; says: RegExp }[] = [
    { name: 'set a valueFrom (Secret) key', place: backend, file: 'config-backend-multidoc.yaml', set: { DB_PASSWORD: 'x' }, code: 'E_VALUE_FROM', says: /DB_PASSWORD .*comes from a Secret \(valueFrom\)/ },
    { name: 'unset a valueFrom (field) key', place: backend, file: 'config-backend-multidoc.yaml', unset: ['POD_NAME'], code: 'E_VALUE_FROM', says: /field metadata\.name/ },
    { name: 'no such container', place: () => envPlace('f', 'api'), file: 'config-backend-multidoc.yaml', set: { A: 'b' }, code: 'E_KEY_MISSING', says: /no container "api"/ },
    { name: 'no such generator', place: () => literalsPlace('k.yaml', 'nope'), file: 'config-kustomization.yaml', set: { A: 'b' }, code: 'E_KEY_MISSING', says: /reports-config, reports-extra/ },
    { name: 'no such Helm map', place: () => helmValuesPlace('v.yaml', 'config.env'), file: 'values.yaml', set: { A: 'b' }, code: 'E_KEY_MISSING', says: /config is missing/ },
  ];
  it.each(refusals)('$name → $code', (c) => {
    let caught: unknown;
    try {
      editConfig(fixture(c.file), c.place(), { set: c.set ?? {}, unset: c.unset ?? [] });
    } catch (err) {
      caught = err;
    }
    expect(isGitopsError(caught, c.code as 'E_VALUE_FROM')).toBe(true);
    expect((caught as Error).message).toMatch(c.says);
  });
});

describe('the restart annotation, as kubectl rollout restart sets it', () => {
  it('adds annotations under the pod template metadata', () => {
    const before = fixture('config-configmap.yaml').replace('      labels: { app: cache }\n', '      labels:\n        app: cache\n');
    const { text, workload } = bumpRestartedAt(before, 'c.yaml', 'cache', '2026-11-30T00:00:00Z');
    expect(workload).toBe('Deployment/cache');
    expect(lineChanges(before, text).added).toEqual(['      annotations:', '        kubectl.kubernetes.io/restartedAt: "2026-11-30T00:00:00Z"']);
    const again = bumpRestartedAt(text, 'c.yaml', 'cache', '2026-11-30T01:00:00Z').text;
    expect(lineChanges(text, again)).toMatchObject({ removed: ['        kubectl.kubernetes.io/restartedAt: "2026-11-30T00:00:00Z"'], added: ['        kubectl.kubernetes.io/restartedAt: "2026-11-30T01:00:00Z"'] });
  });
  it('refuses a workload that is not in the file', () => {
    expect(() => bumpRestartedAt(fixture('config-configmap.yaml'), 'c.yaml', 'web', 'x')).toThrow(/no Deployment, StatefulSet or DaemonSet named "web"/);
  });
});
