import { describe, expect, it } from 'vitest';
import { parseRepository } from './oci-reference.js';

describe('parseRepository: where the registry API is, as Docker resolves names', () => {
  it.each([
    ['ghcr.io/example/web', { host: 'ghcr.io', path: 'example/web', authKey: 'ghcr.io' }],
    ['127.0.0.1:5000/images-test/web', { host: '127.0.0.1:5000', path: 'images-test/web', authKey: '127.0.0.1:5000' }],
    ['localhost/x', { host: 'localhost', path: 'x', authKey: 'localhost' }],
    ['postgres', { host: 'registry-1.docker.io', path: 'library/postgres', authKey: 'https://index.docker.io/v1/' }],
    ['bitnami/redis', { host: 'registry-1.docker.io', path: 'bitnami/redis', authKey: 'https://index.docker.io/v1/' }],
    ['docker.io/library/nginx', { host: 'registry-1.docker.io', path: 'library/nginx', authKey: 'https://index.docker.io/v1/' }],
    ['myregistry.azurecr.io/team/a__b.c-d', { host: 'myregistry.azurecr.io', path: 'team/a__b.c-d', authKey: 'myregistry.azurecr.io' }],
  ])('%s', (image, expected) => expect(parseRepository(image)).toEqual(expected));

  it.each([
    '',
    'Web',
    'ghcr.io/Example/web',
    'ghcr.io/a//b',
    'ghcr.io/a/-b',
    'ghcr.io:99999/a',
    'a b',
    'ghcr.io/a/b:tag',
    'ghcr.io/a@sha256:x',
    '../x',
    `x/${'a'.repeat(260)}`,
    'reg_istry.io:5000/a',
  ])('refuses %j', (image) => expect(() => parseRepository(image)).toThrow(/is not an image name/));
});
