import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * A stand-in for a registry on the internet (ghcr.io, Docker Hub) for what the test environment's
 * distribution registry cannot be made to do: the Bearer token flow (401 with
 * `WWW-Authenticate: Bearer realm=…`, a token from the realm, Basic credentials when the pull
 * needs them), and odd answers on demand (500s, 401s, HTML with 200, a malformed digest, a body
 * that does not hash to its digest). HTTPS with a self-signed certificate made at start: clients
 * trust it through `caFile` (NODE_EXTRA_CA_CERTS), as they would a company CA.
 */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RegistryCall {
  method: string;
  path: string;
  authorization?: string;
  status: number;
}

export interface StandInRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** The self-signed certificate to trust. */
  caFile: string;
  calls: RegistryCall[];
  /** Puts a manifest under `repo:tag`; returns its digest (sha256 of the exact bytes served). */
  put(repo: string, tag: string): string;
  /** Answer the next `times` manifest and tag list requests with `answer` (token requests are not scripted). */
  answerNext(answer: ScriptedAnswer, times?: number): void;
  /** Drop the scripted answers not given yet. */
  clearScript(): void;
  /** Answer the next token requests with `answer`. */
  tokenAnswerNext(answer: ScriptedAnswer, times?: number): void;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** `bearer`: the token flow of ghcr.io and Docker Hub. `none`: anonymous access. */
  auth: 'bearer' | 'none';
  /** Basic credentials the token service requires; without them an anonymous token is given (public images). */
  user?: { username: string; password: string };
  /** Leave Docker-Content-Digest out of HEAD answers (allowed by the spec). */
  omitDigestOnHead?: boolean;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export async function startStandInRegistry(opts: StandInOptions): Promise<StandInRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-oci-standin-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  await execa(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdin: 'ignore' },
  );
  const manifests = new Map<string, Buffer>();
  const tokens = new Set<string>();
  const script: ScriptedAnswer[] = [];
  const tokenScript: ScriptedAnswer[] = [];
  const calls: RegistryCall[] = [];
  let host = '';

  const send = (req: IncomingMessage, res: ServerResponse, a: ScriptedAnswer) => {
    calls.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      status: a.status,
    });
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(req.method === 'HEAD' ? undefined : (a.body ?? ''));
  };

  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${host}`);
    if (url.pathname === '/token') {
      const scripted = tokenScript.shift();
      if (scripted) return send(req, res, scripted);
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString()
        : undefined;
      if (opts.user && basic !== `${opts.user.username}:${opts.user.password}`)
        return send(req, res, { status: 401, body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}' });
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return send(req, res, { status: 200, body: JSON.stringify({ token, access_token: token, expires_in: 300 }) });
    }
    const list = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    const m = list ? [list[0], list[1]] : /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (!m) return send(req, res, { status: 404, body: '{"errors":[{"code":"NAME_UNKNOWN"}]}' });
    const scripted = script.shift();
    if (scripted) return send(req, res, scripted);
    if (opts.auth === 'bearer') {
      const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : undefined;
      if (!bearer || !tokens.has(bearer)) {
        return send(req, res, {
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="https://${host}/token",service="stand-in",scope="repository:${m[1]}:pull"` },
          body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
        });
      }
    }
    if (list) {
      const tags = [...manifests.keys()].filter((k) => k.startsWith(`${m[1]}:`)).map((k) => k.slice(m[1]!.length + 1));
      // An ETag as some registries send one (distribution does not): If-None-Match gets a 304.
      const body = JSON.stringify({ name: m[1], tags });
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) return send(req, res, { status: 304, headers: { etag } });
      return send(req, res, { status: 200, headers: { etag }, body });
    }
    const body = manifests.get(`${m[1]}:${m[2]}`);
    if (!body) return send(req, res, { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' });
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const withDigest = req.method === 'GET' || !opts.omitDigestOnHead;
    return send(req, res, {
      status: 200,
      headers: { 'content-type': OCI_MANIFEST, 'content-length': String(body.length), ...(withDigest ? { 'docker-content-digest': digest } : {}) },
      body: body.toString(),
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    caFile,
    calls,
    put(repo, tag) {
      const config = randomBytes(32).toString('hex');
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${config}`, size: 2 },
          layers: [],
        }),
      );
      manifests.set(`${repo}:${tag}`, body);
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    answerNext(answer, times = 1) {
      for (let i = 0; i < times; i++) script.push(answer);
    },
    clearScript() {
      script.length = 0;
    },
    tokenAnswerNext(answer, times = 1) {
      for (let i = 0; i < times; i++) tokenScript.push(answer);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
