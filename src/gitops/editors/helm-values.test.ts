import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentHelmTag, editHelmValues } from './helm-values.js';
import { lineChanges } from './line-changes.js';

const before = readFileSync(new URL('./fixtures/values.yaml', import.meta.url), 'utf8');
const DIGEST = 'sha256:9e4a1c6f0b1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011';

describe('editHelmValues', () => {
  const cases = [
    { name: 'image.tag, single quotes and comment kept', key: 'image.tag', ref: '2025.12.1', old: '2025.11.3',
      removed: "  tag: '2025.11.3' # opsbot", added: "  tag: '2025.12.1' # opsbot" },
    { name: 'nested web.image.tag written as a number becomes a quoted string when it must', key: 'web.image.tag', ref: '1.10', old: '1.9',
      removed: '    tag: 1.9', added: '    tag: "1.10"' },
    { name: 'plain stays plain when it is a string anyway', key: 'web.image.tag', ref: 'v1.10', old: '1.9',
      removed: '    tag: 1.9', added: '    tag: v1.10' },
  ];
  it.each(cases)('$name', (c) => {
    const result = editHelmValues(before, { file: 'apps/api/values.yaml', key: c.key, ref: c.ref });
    expect(result).toMatchObject({ old: c.old, new: c.ref, changed: true });
    const diff = lineChanges(before, result.text);
    expect({ removed: diff.removed, added: diff.added }).toEqual({ removed: [c.removed], added: [c.added] });
    expect(currentHelmTag(result.text, { file: 'v', key: c.key })).toBe(c.ref);
    // anchors and aliases elsewhere survive
    expect(result.text).toContain('defaults: &resources\n');
    expect(result.text).toContain('resources: *resources\n');
  });

  it('no change when already there', () => {
    expect(editHelmValues(before, { file: 'v', key: 'image.tag', ref: '2025.11.3' }).changed).toBe(false);
  });

  const errors = [
    { name: 'key missing', key: 'image.digest', ref: DIGEST, code: 'E_KEY_MISSING', says: /image\.digest not found/ },
    { name: 'parent missing', key: 'worker.image.tag', ref: 'a', code: 'E_KEY_MISSING', says: /worker is missing/ },
    { name: 'key is a map', key: 'image', ref: 'a', code: 'E_KEY_MISSING', says: /not a single value/ },
    { name: 'digest into a tag key', key: 'image.tag', ref: DIGEST, code: 'E_BAD_TAG', says: /takes a tag, not a digest/ },
  ];
  it.each(errors)('$name → $code', (c) => {
    expect(() => editHelmValues(before, { file: 'apps/api/values.yaml', key: c.key, ref: c.ref })).toThrow(
      expect.objectContaining({ code: c.code, message: expect.stringMatching(new RegExp(`^apps/api/values\\.yaml: .*${c.says.source}`)) }),
    );
  });
});
