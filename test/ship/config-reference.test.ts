import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, configReferenceRows, README, withReference } from '../../scripts/config-reference.js';

describe('README "Configuration reference" is generated from the schema', () => {
  it('matches the schema (run `npm run docs:config` after changing src/core/config/schema.ts)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withReference(readme), 'README.md is out of date: npm run docs:config').toBe(readme);
  });

  it('covers every top-level field, with types, defaults and durations as written', () => {
    const rows = new Map(configReferenceRows().map((r) => [r.path, r]));
    for (const top of ['gitops', 'apps', 'stacks', 'groups', 'access', 'argocd', 'notifications', 'workers', 'chat'])
      expect(rows.has(top), top).toBe(true);
    expect(rows.get('gitops.url')).toMatchObject({ type: 'string', default: '**required**' });
    expect(rows.get('stacks.<stack>.planTtl')).toMatchObject({ type: 'duration', default: '`30m`' });
    expect(rows.get('apps.<app>.environments.<env>.kind')?.type).toBe('"kustomize" \\| "helm-values" \\| "manifest"');
    expect(configReference().split('\n')[0]).toBe('| path | type | default | description |');
  });

  it('every leaf field the user sets has a description', () => {
    const undescribed = configReferenceRows().filter((r) => !r.description && !/\.<\w+>$/.test(r.path) && !/^gitops\.(author|github)\./.test(r.path));
    expect(undescribed.map((r) => r.path)).toEqual([]);
  });
});
