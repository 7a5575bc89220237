/**
 * The registry client against the real distribution registry of the test environment (Basic
 * auth over TLS from its CA, images pushed with crane) and against a stand-in for what that
 * registry cannot be made to do: the Bearer token flow of ghcr.io and Docker Hub, and the odd
 * answers (401, 404, 500, garbage) a registry on the internet sometimes gives.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/registry-client.js';
import { craneFor, type Crane } from '../support/crane.js';
import { startStandInRegistry, type StandInRegistry } from '../support/oci-registry.js';
import { testenv, titled } from '../support/testenv.js';

const USER = { username: 'robot', password: `pw-${randomBytes(6).toString('hex')}` };

function dockerConfig(auths: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-dockercfg-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

const fast = { tries: 3, backoff: { baseMs: 20, maxMs: 50 } };

describe('registry client: Bearer token flow and odd answers (stand-in for ghcr.io / Docker Hub)', () => {
  let reg: StandInRegistry;
  let client: RegistryClient;
  let config: string;
  const image = () => `${reg.host}/example/web`;

  beforeAll(async () => {
    reg = await startStandInRegistry({ auth: 'bearer', user: USER });
    config = dockerConfig({ [`https://${reg.host}`]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } });
    client = new RegistryClient({ env: { DOCKER_CONFIG: config, NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
  });
  afterAll(async () => {
    await client.close();
    await reg.close();
    rmSync(config, { recursive: true, force: true });
  });

  it('gets a token with the config.json credentials, then resolves; the next resolve is one request', async () => {
    const digest = reg.put('example/web', '1.5.0');
    const before = reg.calls.length;
    expect(await client.resolve(image(), '1.5.0')).toMatchObject({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const calls = reg.calls.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path.split('?')[0]} ${c.status}`)).toEqual([
      'HEAD /v2/example/web/manifests/1.5.0 401',
      'GET /token 200',
      'HEAD /v2/example/web/manifests/1.5.0 200',
    ]);
    expect(calls[1]!.path).toContain('scope=repository%3Aexample%2Fweb%3Apull');
    expect(calls[1]!.path).toContain('service=stand-in');
    expect(calls[1]!.authorization).toBe(`Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`);
    expect(calls[2]!.authorization).toMatch(/^Bearer [0-9a-f]{32}$/);
    const again = reg.calls.length;
    expect((await client.resolve(image(), '1.5.0')).digest).toBe(digest);
    expect(reg.calls.length - again).toBe(1);
  });

  it('tag list: an unchanged list is a 304 to If-None-Match; a next page on another host is not followed', async () => {
    reg.put('example/web', '1.6.0');
    const first = await client.listTags(image());
    expect(first).toContain('1.6.0');
    const before = reg.calls.length;
    expect(await client.listTags(image())).toEqual(first);
    expect(reg.calls.slice(before).map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(['GET /v2/example/web/tags/list?n=1000 304']);
    reg.answerNext({
      status: 200,
      headers: { link: '<https://elsewhere.example/v2/example/web/tags/list?last=x>; rel="next"' },
      body: '{"tags":["1.7.0"]}',
    });
    await expect(client.listTags(image())).rejects.toMatchObject({
      code: 'E_REGISTRY_BAD_ANSWER',
      message: expect.stringContaining('sent a next page of the tag list elsewhere'),
    });
    reg.answerNext({ status: 200, body: '{"tags":[1,2]}' });
    await expect(client.listTags(image())).rejects.toMatchObject({
      code: 'E_REGISTRY_BAD_ANSWER',
      message: expect.stringContaining('not {"tags": [...]}'),
    });
  });

  it('a tag that is not there: E_TAG_NOT_FOUND naming the image', async () => {
    await expect(client.resolve(image(), '9.9.9')).rejects.toMatchObject({
      code: 'E_TAG_NOT_FOUND',
      message: expect.stringContaining(`${image()}:9.9.9 does not exist`),
    });
  });

  it('500 on every try: retried, then E_REGISTRY_UNREACHABLE; 500 twice then 200: resolved', async () => {
    reg.put('example/web', '2.0.0');
    const before = reg.calls.length;
    reg.answerNext({ status: 500, body: 'oops' }, 3);
    await expect(client.resolve(image(), '2.0.0')).rejects.toMatchObject({
      code: 'E_REGISTRY_UNREACHABLE',
      message: expect.stringContaining('after 3 tries (HTTP 500)'),
    });
    expect(reg.calls.length - before).toBe(3);
    reg.answerNext({ status: 503, body: '' }, 2);
    expect((await client.resolve(image(), '2.0.0')).digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    [
      'HTML with 200',
      { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
      /answered .*:2\.1\.0 with "text\/html", not an image manifest/,
    ],
    [
      'a malformed digest',
      { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': 'sha256:zzz' }, body: '{}' },
      /sent "sha256:zzz" as the digest/,
    ],
    ['a 401 without a challenge', { status: 401, body: '' }, /answered 401 .* without a Basic or Bearer challenge/],
    ['a 418', { status: 418, body: '' }, /answered 418/],
  ])('garbage: %s → E_REGISTRY_BAD_ANSWER', async (_name, answer, message) => {
    reg.put('example/web', '2.1.0');
    const fresh = new RegistryClient({ env: { DOCKER_CONFIG: config, NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
    reg.answerNext(answer);
    await expect(fresh.resolve(image(), '2.1.0')).rejects.toMatchObject({ code: 'E_REGISTRY_BAD_ANSWER', message: expect.stringMatching(message) });
    await fresh.close();
  });

  it('a token service that answers garbage → E_REGISTRY_BAD_ANSWER', async () => {
    const fresh = new RegistryClient({ env: { DOCKER_CONFIG: config, NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
    reg.tokenAnswerNext({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html/>' });
    await expect(fresh.resolve(image(), '1.5.0')).rejects.toMatchObject({
      code: 'E_REGISTRY_BAD_ANSWER',
      message: expect.stringContaining('without a usable token'),
    });
    await fresh.close();
  });

  it('wrong credentials → E_REGISTRY_AUTH, and the password is in no message', async () => {
    const wrong = dockerConfig({ [reg.host]: { username: USER.username, password: 'not-it' } });
    const fresh = new RegistryClient({ env: { DOCKER_CONFIG: wrong, NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
    const err = await fresh.resolve(image(), '1.5.0').catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'E_REGISTRY_AUTH', message: expect.stringContaining('refused the credentials') });
    expect(String((err as Error).message)).not.toContain('not-it');
    await fresh.close();
    rmSync(wrong, { recursive: true, force: true });
  });

  it('a certificate nobody trusts: refused at once, not retried, saying how to trust it', async () => {
    const untrusting = new RegistryClient({ env: { DOCKER_CONFIG: config }, ...fast });
    const before = reg.calls.length;
    await expect(untrusting.resolve(image(), '1.5.0')).rejects.toMatchObject({
      code: 'E_REGISTRY_UNREACHABLE',
      message: expect.stringContaining('NODE_EXTRA_CA_CERTS'),
    });
    expect(reg.calls.length).toBe(before);
    await untrusting.close();
  });

  it('bad image names and tags are refused before any request', async () => {
    const before = reg.calls.length;
    await expect(client.resolve(`${reg.host}/Example/web`, '1.0')).rejects.toMatchObject({ code: 'E_BAD_IMAGE' });
    await expect(client.resolve(image(), '../../v2/_catalog')).rejects.toMatchObject({ code: 'E_BAD_IMAGE' });
    await expect(client.resolve(image(), '-x')).rejects.toMatchObject({ code: 'E_BAD_IMAGE' });
    expect(reg.calls.length).toBe(before);
  });
});

describe('registry client: anonymous token, and HEAD without Docker-Content-Digest', () => {
  let reg: StandInRegistry;
  beforeAll(async () => {
    reg = await startStandInRegistry({ auth: 'bearer', omitDigestOnHead: true });
  });
  afterAll(() => reg.close());

  it('public image: an anonymous token (no credentials anywhere), digest from the bytes of GET', async () => {
    const digest = reg.put('library/public', 'latest');
    const client = new RegistryClient({ env: { HOME: '/nonexistent', NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
    expect((await client.resolve(`${reg.host}/library/public`, 'latest')).digest).toBe(digest);
    const token = reg.calls.find((c) => c.path.startsWith('/token'));
    expect(token?.authorization).toBeUndefined();
    expect(reg.calls.map((c) => c.method)).toEqual(['HEAD', 'GET', 'HEAD', 'GET']);
    await client.close();
  });

  it('a GET whose Docker-Content-Digest is not the hash of its body → E_REGISTRY_BAD_ANSWER', async () => {
    reg.put('library/public', 'lie');
    const client = new RegistryClient({ env: { HOME: '/nonexistent', NODE_EXTRA_CA_CERTS: reg.caFile }, ...fast });
    await client.resolve(`${reg.host}/library/public`, 'latest'); // gets the token
    reg.answerNext({ status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '' });
    reg.answerNext({
      status: 200,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'0'.repeat(64)}` },
      body: '{"schemaVersion":2}',
    });
    await expect(client.resolve(`${reg.host}/library/public`, 'lie')).rejects.toMatchObject({
      code: 'E_REGISTRY_BAD_ANSWER',
      message: expect.stringContaining('hashes to sha256:'),
    });
    await client.close();
  });
});

const env = testenv();
describe.skipIf(!env.registry.available)(
  titled('registry client against the test environment registry (Basic auth, TLS from its CA)', env.registry),
  () => {
    let crane: Crane;
    let client: RegistryClient;
    const repo = `images-test/client-${randomBytes(3).toString('hex')}`;
    beforeAll(async () => {
      crane = await craneFor(env.registry.env);
      client = new RegistryClient({ env: { DOCKER_CONFIG: crane.dockerConfig, NODE_EXTRA_CA_CERTS: env.registry.env.REGISTRY_CA } });
    });
    afterAll(async () => {
      await client.close();
      crane.cleanup();
    });

    it('resolves a pushed tag to the digest crane reports; an index to the index digest', async () => {
      const a = await crane.pushRandom(repo, '1.0.0');
      expect((await client.resolve(`${crane.registry}/${repo}`, '1.0.0')).digest).toBe(await crane.digest(repo, '1.0.0'));
      expect((await client.resolve(`${crane.registry}/${repo}`, '1.0.0')).digest).toBe(a);
      const b = await crane.pushRandom(repo, '1.0.0-arm');
      const index = await crane.index(repo, '1.0.0-multi', [a, b]);
      expect(await client.resolve(`${crane.registry}/${repo}`, '1.0.0-multi')).toMatchObject({
        digest: index,
        mediaType: expect.stringMatching(/index|manifest\.list/),
      });
    });

    it('lists tags page by page as its Link headers say (no ETag from distribution); a repository it does not know is E_TAG_NOT_FOUND', async () => {
      const listed = `${repo}-list`;
      for (const t of ['1.0.0', '1.0.1', '1.1.0', '2.0.0', 'latest']) await crane.pushRandom(listed, t);
      const paged = new RegistryClient({
        env: { DOCKER_CONFIG: crane.dockerConfig, NODE_EXTRA_CA_CERTS: env.registry.env.REGISTRY_CA },
        tagsPageSize: 2,
      });
      try {
        const before = paged.roundTrips;
        expect((await paged.listTags(`${crane.registry}/${listed}`)).sort()).toEqual(['1.0.0', '1.0.1', '1.1.0', '2.0.0', 'latest']);
        // Three pages of two (the first after a 401 Basic challenge).
        expect(paged.roundTrips - before).toBe(4);
        await expect(paged.listTags(`${crane.registry}/${repo}-none`)).rejects.toMatchObject({ code: 'E_TAG_NOT_FOUND' });
      } finally {
        await paged.close();
      }
    });

    it('a moved tag resolves to its new digest', async () => {
      await crane.pushRandom(repo, 'latest');
      const second = await crane.pushRandom(repo, 'latest');
      expect((await client.resolve(`${crane.registry}/${repo}`, 'latest')).digest).toBe(second);
    });
  },
);
