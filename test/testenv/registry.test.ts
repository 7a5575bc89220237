/**
 * The test environment's OCI registry: `crane` pushes a small random image, and the registry
 * API (OCI distribution spec) answers its manifest digest over TLS from the environment's CA,
 * with basic auth — and refuses without credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { testenv, titled } from '../support/testenv.js';

const env = testenv();
const reg = env.registry.env;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, opts: { auth?: boolean; accept?: string; ca?: Buffer } = {}): Promise<Answer> {
  const [host, port] = (reg.REGISTRY_URL ?? '').split(':');
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (opts.auth !== false) headers.Authorization = `Basic ${Buffer.from(`${reg.REGISTRY_USER}:${reg.REGISTRY_PASSWORD}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, headers, ca: opts.ca ?? readFileSync(reg.REGISTRY_CA ?? ''), timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const OCI_MANIFESTS = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

describe.skipIf(!env.registry.available)(titled('testenv: OCI registry (TLS, basic auth) and crane', env.registry), () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-registry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // crane finds credentials the way Docker does (DOCKER_CONFIG/config.json) and trusts the
  // CA given by SSL_CERT_FILE (Go's crypto/x509 on Linux): no --insecure anywhere.
  const craneEnv = { DOCKER_CONFIG: join(dir, 'docker'), SSL_CERT_FILE: reg.REGISTRY_CA ?? '' };
  const crane = (args: string[], input?: string) =>
    execa(reg.CRANE ?? 'crane', args, { env: craneEnv, input, stdin: input === undefined ? 'ignore' : undefined });

  it('crane pushes a random image; the registry API returns its manifest digest with auth over TLS', async () => {
    await crane(['auth', 'login', reg.REGISTRY_URL ?? '', '-u', reg.REGISTRY_USER ?? '', '--password-stdin'], reg.REGISTRY_PASSWORD);
    const repo = `opsbot-test/app-${randomBytes(4).toString('hex')}`;
    const ref = `${reg.REGISTRY_URL}/${repo}:1.0.0`;
    // One layer of random bytes: every run pushes an image no earlier run made.
    const work = join(dir, 'layer');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'random.bin'), randomBytes(4096));
    await execa('tar', ['-cf', join(dir, 'layer.tar'), '-C', work, 'random.bin']);
    const pushed = (await crane(['append', '-f', join(dir, 'layer.tar'), '-t', ref])).stdout.trim();
    expect(pushed).toMatch(new RegExp(`^${reg.REGISTRY_URL?.replace(/\./g, '\\.')}/${repo}@sha256:[0-9a-f]{64}$`));
    const digest = pushed.split('@')[1];

    const m = await get(`/v2/${repo}/manifests/1.0.0`, { accept: OCI_MANIFESTS });
    expect(m.status).toBe(200);
    expect(m.headers['docker-content-digest']).toBe(digest);
    // The digest is the sha256 of the manifest bytes as served.
    expect(`sha256:${createHash('sha256').update(m.body).digest('hex')}`).toBe(digest);
    expect((await crane(['digest', ref])).stdout.trim()).toBe(digest);
    const tags = JSON.parse((await get(`/v2/${repo}/tags/list`)).body.toString()) as { tags: string[] };
    expect(tags.tags).toEqual(['1.0.0']);

    // A second tag of the same image: same digest.
    await crane(['tag', ref, '1.0.0-rc']);
    expect((await get(`/v2/${repo}/manifests/1.0.0-rc`, { accept: OCI_MANIFESTS })).headers['docker-content-digest']).toBe(digest);
  });

  it('refuses a request without credentials (401 with a Basic challenge) and one with a wrong password', async () => {
    const anon = await get('/v2/', { auth: false });
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Basic realm="opsbot-testenv"');
    const wrong = await new Promise<number>((resolve, reject) => {
      const [host, port] = (reg.REGISTRY_URL ?? '').split(':');
      const req = request(
        {
          host,
          port: Number(port),
          path: '/v2/',
          ca: readFileSync(reg.REGISTRY_CA ?? ''),
          headers: { Authorization: `Basic ${Buffer.from(`${reg.REGISTRY_USER}:nope`).toString('base64')}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(wrong).toBe(401);
  });

  it('serves TLS only with a certificate from the environment CA (an unknown CA is rejected)', async () => {
    const other = await execa(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'other.key'),
        '-out',
        join(dir, 'other.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=other',
      ],
      { reject: false },
    );
    expect(other.exitCode).toBe(0);
    await expect(get('/v2/', { ca: readFileSync(join(dir, 'other.crt')) })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });
});
