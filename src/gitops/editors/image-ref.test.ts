import { describe, expect, it } from 'vitest';
import { canonicalRepository, formatImageRef, parseImageRef, parseRequestedRef, sameRepository } from './image-ref.js';

const D = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

describe('parseImageRef / formatImageRef round-trip', () => {
  const cases = [
    { image: `ghcr.io/org/web@${D}`, ref: { repository: 'ghcr.io/org/web', digest: D } },
    { image: `ghcr.io/org/web:1.2@${D}`, ref: { repository: 'ghcr.io/org/web', tag: '1.2', digest: D } },
    { image: 'ghcr.io/org/web:3f9c2e1', ref: { repository: 'ghcr.io/org/web', tag: '3f9c2e1' } },
    { image: 'postgres:17.4', ref: { repository: 'postgres', tag: '17.4' } },
    { image: 'influxdb', ref: { repository: 'influxdb' } },
    { image: 'localhost:5000/x:1', ref: { repository: 'localhost:5000/x', tag: '1' } },
    { image: 'localhost:5000/x', ref: { repository: 'localhost:5000/x' } },
  ];
  it.each(cases)('$image', ({ image, ref }) => {
    expect(parseImageRef(image)).toEqual(ref);
    expect(formatImageRef(parseImageRef(image))).toBe(image);
  });
});

describe('repositories compare the way registries resolve them', () => {
  it.each([
    ['postgres', 'docker.io/library/postgres', true],
    ['library/postgres', 'index.docker.io/library/postgres', true],
    ['bitnami/redis', 'docker.io/bitnami/redis', true],
    ['ghcr.io/org/web', 'ghcr.io/org/web', true],
    ['ghcr.io/org/web', 'ghcr.io/org/web-admin', false],
    ['localhost:5000/x', 'x', false],
  ])('%s vs %s → %s', (a, b, same) => expect(sameRepository(a, b)).toBe(same));
  it('canonical form', () => expect(canonicalRepository('influxdb')).toBe('docker.io/library/influxdb'));
});

describe('parseRequestedRef', () => {
  it.each(['1.2.3', 'v1', '3f9c2e1', 'latest', '_x', 'a'.repeat(128)])('accepts tag %s', (t) => expect(parseRequestedRef(t)).toEqual({ kind: 'tag', value: t }));
  it('accepts a digest', () => expect(parseRequestedRef(D)).toEqual({ kind: 'digest', value: D }));
  it('accepts a tag with its digest', () => expect(parseRequestedRef(`1.5.0@${D}`)).toEqual({ kind: 'digest', value: D, tag: '1.5.0' }));
  it.each(['', '-x', '.x', 'a b', 'a;rm', 'a'.repeat(129), 'sha256:abc', `sha256:${'A'.repeat(64)}`, '$(id)', 'x/y', `1.5.0@sha256:abc`, `@${D}`, `-x@${D}`, `1.5@${D}@${D}`])('rejects %j with E_BAD_TAG', (t) =>
    expect(() => parseRequestedRef(t, 'f.yaml')).toThrow(expect.objectContaining({ code: 'E_BAD_TAG', message: expect.stringMatching(/^f\.yaml: /) })),
  );
});
