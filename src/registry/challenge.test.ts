import { describe, expect, it } from 'vitest';
import { parseChallenge } from './challenge.js';

describe('parseChallenge', () => {
  it.each([
    ['Basic realm="Registry Realm"', { scheme: 'basic' }],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    ],
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      { scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' },
    ],
    ['bearer realm=https://r.example/t, service=r.example', { scheme: 'bearer', realm: 'https://r.example/t', service: 'r.example' }],
    ['Bearer realm="http://127.0.0.1:5001/token"', { scheme: 'bearer', realm: 'http://127.0.0.1:5001/token' }],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it.each([
    [undefined],
    [''],
    ['Negotiate abc'],
    ['Bearer service="x"'],
    ['Bearer realm="not a url"'],
    // Credentials would travel in clear text to another host.
    ['Bearer realm="http://auth.example/token"'],
    ['Bearer realm="https://a/t",,,garbage'],
  ])('refuses %s', (header) => {
    expect(parseChallenge(header)).toBeNull();
  });
});
