import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configReferenceRows } from '../../scripts/config-reference.js';
import { ROOT } from '../support/cli.js';

const EXAMPLE = readFileSync(join(ROOT, 'opsbot.example.yaml'), 'utf8');

/** Is `path` (as the reference writes it: `apps.<app>.image`, `access.rules[].subjects`) set somewhere in `value`? */
function present(value: unknown, segments: string[]): boolean {
  if (segments.length === 0) return value !== undefined;
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '[]') return Array.isArray(value) && value.some((v) => present(v, rest));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const obj = value as Record<string, unknown>;
  if (/^<\w+>$/.test(head)) return Object.values(obj).some((v) => present(v, rest));
  return Object.hasOwn(obj, head) && present(obj[head], rest);
}

const segmentsOf = (path: string) => path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]));

describe('opsbot.example.yaml: "every field explained"', () => {
  it('sets every field of the schema, or shows it commented out with an explanation', () => {
    const example: unknown = parse(EXAMPLE);
    const missing = configReferenceRows()
      .map((r) => r.path)
      .filter((path) => !present(example, segmentsOf(path)))
      // A field that would be wrong to set in an example (a workspace, a kube context) is shown as `# key: value`.
      .filter((path) => !new RegExp(`^\\s*#\\s*${path.split('.').pop()!.replace(/\[\]$/, '')}:`, 'm').test(EXAMPLE));
    expect(missing, 'add these fields to opsbot.example.yaml, each with a comment saying what it does').toEqual([]);
  });

  it('explains each top-level section and each field it sets with a comment above or beside it', () => {
    const lines = EXAMPLE.split('\n');
    for (const top of ['gitops', 'apps', 'stacks', 'groups', 'access', 'argocd', 'notifications', 'workers', 'chat']) {
      const at = lines.findIndex((l) => l.startsWith(`${top}:`));
      expect(at, top).toBeGreaterThan(0);
      expect(lines[at - 1], `a comment above ${top}:`).toMatch(/^#/);
    }
  });
});
