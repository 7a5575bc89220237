import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGitopsError } from '../errors.js';
import { currentKustomizeTag, editKustomize } from './kustomize.js';
import { lineChanges } from './line-changes.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const IMAGE = 'ghcr.io/example-org/web';
const OLD_DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const DIGEST = 'sha256:9e4a1c6f0b1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011';

describe('editKustomize: one-line edits of an existing images entry', () => {
  const cases = [
    { name: 'quoted newTag stays quoted, comment kept', file: 'kustomization.yaml', ref: '1.5.0', old: '1.4.2',
      removed: ['    newTag: "1.4.2" # bumped by opsbot'], added: ['    newTag: "1.5.0" # bumped by opsbot'] },
    { name: 'tag → digest rewrites the key on the same line', file: 'kustomization.yaml', ref: DIGEST, old: '1.4.2',
      removed: ['    newTag: "1.4.2" # bumped by opsbot'], added: [`    digest: "${DIGEST}" # bumped by opsbot`] },
    { name: 'entry matched by newName (placeholder name), digest → tag', file: 'kustomization-digest.yaml', ref: '1.6.0', old: OLD_DIGEST,
      removed: [`  digest: ${OLD_DIGEST}`], added: ['  newTag: 1.6.0'] },
    { name: 'digest → digest', file: 'kustomization-digest.yaml', ref: DIGEST, old: OLD_DIGEST,
      removed: [`  digest: ${OLD_DIGEST}`], added: [`  digest: ${DIGEST}`] },
    { name: 'a numeric-looking commit SHA is quoted so YAML keeps it a string', file: 'kustomization-digest.yaml', ref: '3e45678', old: OLD_DIGEST,
      removed: [`  digest: ${OLD_DIGEST}`], added: ['  newTag: "3e45678"'] },
  ];
  it.each(cases)('$name', (c) => {
    const before = fixture(c.file);
    const result = editKustomize(before, { file: c.file, image: IMAGE, ref: c.ref });
    expect(result).toMatchObject({ old: c.old, new: c.ref, changed: true });
    const diff = lineChanges(before, result.text);
    expect({ removed: diff.removed, added: diff.added }).toEqual({ removed: c.removed, added: c.added });
    expect(currentKustomizeTag(result.text, { file: c.file, image: IMAGE })).toBe(c.ref);
  });
});

describe('editKustomize: adding what is missing', () => {
  it('appends an entry to an images list that lacks the app, in the list own indentation', () => {
    const before = fixture('kustomization-other-image.yaml');
    const result = editKustomize(before, { file: 'k.yaml', image: IMAGE, ref: '2.0.0' });
    const diff = lineChanges(before, result.text);
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual([`  - name: ${IMAGE}`, '    newTag: 2.0.0']);
    expect(result.text).toContain('newTag: 1.27-alpine # keep in step with base\n  - name: ghcr.io');
    expect(result.old).toBeNull();
  });

  it('adds images: at the end when the kustomization has none', () => {
    const before = fixture('kustomization-no-images.yaml');
    const result = editKustomize(before, { file: 'k.yaml', image: IMAGE, ref: '2.0.0' });
    expect(result.text).toBe(`${before}images:\n- name: ${IMAGE}\n  newTag: 2.0.0\n`);
    expect(currentKustomizeTag(result.text, { file: 'k.yaml', image: IMAGE })).toBe('2.0.0');
  });

  it('adds newTag to an entry that only renames the image', () => {
    const before = 'images:\n  - name: web\n    newName: ghcr.io/example-org/web # moved registry\nresources: [a.yaml]\n';
    const result = editKustomize(before, { file: 'k.yaml', image: IMAGE, ref: '1.0' });
    expect(result.text).toBe('images:\n  - name: web\n    newName: ghcr.io/example-org/web # moved registry\n    newTag: "1.0"\nresources: [a.yaml]\n');
  });

  it('edits flow-style entries and lists in place', () => {
    expect(editKustomize(`images: [{name: ${IMAGE}, newTag: a}]\n`, { file: 'k', image: IMAGE, ref: 'b' }).text).toBe(`images: [{name: ${IMAGE}, newTag: b}]\n`);
    expect(editKustomize('images: []\n', { file: 'k', image: IMAGE, ref: 'b' }).text).toBe(`images: [{name: ${IMAGE}, newTag: b}]\n`);
  });

  it('drops the other field when both newTag and digest are present', () => {
    const before = `images:\n- name: ${IMAGE}\n  newTag: "1"\n  digest: ${OLD_DIGEST}\n`;
    expect(editKustomize(before, { file: 'k', image: IMAGE, ref: '2' }).text).toBe(`images:\n- name: ${IMAGE}\n  newTag: "2"\n`);
  });

  it('reports no change when already at the tag', () => {
    const before = fixture('kustomization.yaml');
    expect(editKustomize(before, { file: 'k', image: IMAGE, ref: '1.4.2' })).toEqual({ text: before, old: '1.4.2', new: '1.4.2', changed: false });
  });
});

describe('editKustomize: errors', () => {
  const cases = [
    { name: 'two entries for the image', text: `images:\n- name: ${IMAGE}\n  newTag: a\n- name: web\n  newName: ${IMAGE}\n`, ref: 'b', code: 'E_CONTAINER_AMBIGUOUS' },
    { name: 'broken YAML', text: 'images:\n  - name: [unclosed\n', ref: 'b', code: 'E_YAML_BROKEN' },
    { name: 'not a map', text: '- a\n- b\n', ref: 'b', code: 'E_YAML_BROKEN' },
    { name: 'bad digest', text: 'images: []\n', ref: 'sha256:XYZ', code: 'E_BAD_TAG' },
  ];
  it.each(cases)('$name → $code', (c) => {
    expect(() => editKustomize(c.text, { file: 'apps/web/kustomization.yaml', image: IMAGE, ref: c.ref })).toThrow(
      expect.objectContaining({ code: c.code, message: expect.stringMatching(/^apps\/web\/kustomization\.yaml: /) }),
    );
  });
  it('isGitopsError narrows by code', () => {
    try {
      editKustomize('x: [', { file: 'k', image: IMAGE, ref: 'a' });
    } catch (err) {
      expect(isGitopsError(err, 'E_YAML_BROKEN')).toBe(true);
    }
  });
});
