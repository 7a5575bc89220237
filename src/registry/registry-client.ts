import { createHash } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { backoffDelay, sleep } from '../core/backoff.js';
import { DIGEST_PATTERN, parseRepository, TAG_PATTERN, type RegistryRepository } from '../core/oci-reference.js';
import { parseChallenge } from './challenge.js';
import { findCredentials, type Credentials } from './docker-config.js';
import { RegistryError } from './errors.js';
import { trustedCertificates } from './trust.js';

/**
 * Resolves a tag to the digest of its manifest through the OCI distribution API
 * (`HEAD /v2/<name>/manifests/<tag>`), with the three ways registries let a client in: none
 * (anonymous), Basic (a distribution registry with htpasswd, Artifactory), and the token flow
 * of ghcr.io and Docker Hub (401 with `WWW-Authenticate: Bearer realm=…`, then a token from the
 * realm, with Basic credentials when there are some). The digest is the one of what the tag
 * points at — the index of a multi-platform image, not one platform's manifest — so a pinned
 * deploy runs the same image on every node, as `crane digest` and argocd-image-updater report it.
 */
export interface ResolvedImage {
  /** `sha256:…` from Docker-Content-Digest (or the hash of the manifest bytes). */
  digest: string;
  mediaType: string;
  /** `ghcr.io/example/web:1.5.0` */
  reference: string;
}

export interface RegistryClientOptions {
  /** DOCKER_CONFIG, HOME, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE come from here. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Tries for one request when the registry is down or answers 5xx/429 (default 4). */
  tries?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Tags asked per page of a tag list (default 1000, distribution's own maximum). */
  tagsPageSize?: number;
}

/** What a pinned deploy accepts: images and indexes, OCI and Docker schema 2 (never schema 1, which has no stable digest). */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;
const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** distribution's own limit on a manifest it accepts (4 MiB); a token answer is far smaller. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const TOKEN_MAX_BYTES = 64 * 1024;
/** Docker's token spec: a token without `expires_in` lives 60 s. */
const TOKEN_DEFAULT_TTL_S = 60;
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

/** Docker's token spec: `token` (or OAuth's `access_token`) and `expires_in` seconds. */
interface TokenAnswer {
  token?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
}

interface TagPage {
  tags: string[];
  etag?: string;
  /** Path and query of the next page (same host and repository). */
  next?: string;
}

/** Tags asked per page, and pages followed at most (distribution caps n at 1000 by default). */
const TAGS_PAGE_SIZE = 1000;
const TAGS_MAX_PAGES = 100;

type Auth = { kind: 'basic'; header: string } | { kind: 'bearer'; header: string; expires: number };

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export class RegistryClient {
  /** HTTP requests sent since start: the bench's "round trips per deploy". */
  roundTrips = 0;
  private readonly env: NodeJS.ProcessEnv;
  private readonly tries: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly timeoutMs: number;
  private readonly tagsPageSize: number;
  private agent: Agent | undefined;
  /** Per host and repository: the Authorization that worked last, so the next resolve is one request. */
  private readonly auth = new Map<string, Auth>();
  /** Tag list pages that came with an ETag, by URL: sent back as If-None-Match. */
  private readonly tagPages = new Map<string, TagPage>();

  constructor(opts: RegistryClientOptions = {}) {
    this.env = opts.env ?? process.env;
    this.tries = Math.max(1, opts.tries ?? 4);
    this.backoff = opts.backoff ?? { baseMs: 500, maxMs: 4_000 };
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.tagsPageSize = opts.tagsPageSize ?? TAGS_PAGE_SIZE;
  }

  async resolve(image: string, tag: string, signal?: AbortSignal): Promise<ResolvedImage> {
    const repo = this.repository(image);
    if (!TAG_PATTERN.test(tag)) throw new RegistryError('E_BAD_IMAGE', `"${tag.slice(0, 140)}" is not a valid tag`);
    const reference = `${image}:${tag}`;
    const url = `https://${repo.host}/v2/${repo.path}/manifests/${tag}`;
    const key = `${repo.host}/${repo.path}`;
    const res = await this.authorized('HEAD', url, repo, reference, signal);
    if (res.status === 404)
      throw new RegistryError(
        'E_TAG_NOT_FOUND',
        `${reference} does not exist in ${repo.host} (the registry answered 404): check the tag; nothing was changed.`,
      );
    if (res.status !== 200)
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered ${res.status} for ${reference}, which the distribution API does not use here; nothing was changed.`,
      );
    const mediaType = this.mediaType(res, reference, repo);
    const header = single(res.headers['docker-content-digest']);
    if (header !== undefined) {
      if (!DIGEST_PATTERN.test(header))
        throw new RegistryError(
          'E_REGISTRY_BAD_ANSWER',
          `${repo.host} sent "${header.slice(0, 80)}" as the digest of ${reference}: not a sha256 digest; nothing was changed.`,
        );
      return { digest: header, mediaType, reference };
    }
    // No Docker-Content-Digest on HEAD (allowed by the spec): read the manifest and hash its bytes.
    return this.resolveByBody(url, key, reference, repo, signal);
  }

  /**
   * Every tag of a repository (`GET /v2/<name>/tags/list`), page by page as the registry's
   * `Link: <…>; rel="next"` says (the OCI distribution spec's pagination). Each page is asked
   * with `If-None-Match` when the registry gave it an ETag, so an unchanged page costs a 304
   * (the CNCF distribution registry sends none on tag lists: every poll reads them).
   */
  async listTags(image: string, signal?: AbortSignal): Promise<string[]> {
    const repo = this.repository(image);
    const reference = `${image} (tag list)`;
    const first = `/v2/${repo.path}/tags/list?n=${this.tagsPageSize}`;
    const tags: string[] = [];
    let path: string | undefined = first;
    for (let page = 0; path !== undefined; page++) {
      if (page >= TAGS_MAX_PAGES)
        throw new RegistryError(
          'E_REGISTRY_BAD_ANSWER',
          `${repo.host} has more than ${TAGS_MAX_PAGES} pages of tags for ${image}: not followed further.`,
        );
      const url = `https://${repo.host}${path}`;
      const cached = this.tagPages.get(url);
      const res = await this.authorized('GET', url, repo, reference, signal, true, cached?.etag ? { 'if-none-match': cached.etag } : {});
      let answer: TagPage;
      if (res.status === 304 && cached) {
        await res.body.dump();
        answer = cached;
      } else {
        answer = await this.readTagPage(res, repo, image, path);
        if (answer.etag) this.tagPages.set(url, answer);
        else this.tagPages.delete(url);
      }
      tags.push(...answer.tags);
      path = answer.next;
    }
    return tags;
  }

  private async readTagPage(res: Sent, repo: RegistryRepository, image: string, path: string): Promise<TagPage> {
    if (res.status === 404) {
      await res.body.dump();
      throw new RegistryError(
        'E_TAG_NOT_FOUND',
        `${image} does not exist in ${repo.host} (the registry answered 404 to its tag list): check the app's image.`,
      );
    }
    if (res.status !== 200) {
      await res.body.dump();
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered ${res.status} to the tag list of ${image}, which the distribution API does not use here.`,
      );
    }
    const bytes = await readCapped(res.body, MANIFEST_MAX_BYTES);
    if (!bytes) throw new RegistryError('E_REGISTRY_BAD_ANSWER', `a page of ${image}'s tag list from ${repo.host} is larger than 4 MiB.`);
    let body: { tags?: unknown } | null = null;
    try {
      body = JSON.parse(bytes.toString('utf8')) as { tags?: unknown } | null;
    } catch {
      body = null;
    }
    // An empty repository answers `"tags": null`; anything else must be a list of strings.
    const list = body?.tags === null ? [] : body?.tags;
    if (!Array.isArray(list) || !list.every((t): t is string => typeof t === 'string')) {
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered the tag list of ${image} with something that is not {"tags": [...]} (${JSON.stringify(bytes.toString('utf8').slice(0, 60))}).`,
      );
    }
    const etag = single(res.headers.etag);
    const next = nextPage(single(res.headers.link), repo, path);
    // Names that are not tags (the spec forbids them) are dropped rather than reaching a commit.
    return { tags: list.filter((t) => TAG_PATTERN.test(t)), ...(etag ? { etag } : {}), ...(next ? { next } : {}) };
  }

  async close(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }

  private repository(image: string): RegistryRepository {
    try {
      return parseRepository(image);
    } catch (err) {
      throw new RegistryError('E_BAD_IMAGE', (err as Error).message);
    }
  }

  /** A request with the Authorization that worked last; a 401 runs the registry's auth flow once and asks again. */
  private async authorized(
    method: 'HEAD' | 'GET',
    url: string,
    repo: RegistryRepository,
    reference: string,
    signal?: AbortSignal,
    keepBody = false,
    headers: Record<string, string> = {},
  ): Promise<Sent> {
    const key = `${repo.host}/${repo.path}`;
    // Only a kept GET body is still unread: every other one was drained by send.
    const drain = async (r: Sent) => (keepBody && method === 'GET' ? r.body.dump() : undefined);
    let res = await this.send(method, url, this.cachedAuth(key), reference, signal, keepBody, headers);
    if (res.status === 401) {
      await drain(res);
      const auth = await this.authenticate(repo, res, reference, signal);
      this.auth.set(key, auth.auth);
      res = await this.send(method, url, auth.auth.header, reference, signal, keepBody, headers);
      if (res.status === 401 || res.status === 403) {
        await drain(res);
        this.auth.delete(key);
        throw this.refused(repo, reference, res.status, auth.withCredentials);
      }
    }
    if (res.status === 401 || res.status === 403) {
      await drain(res);
      throw this.refused(repo, reference, res.status, undefined);
    }
    return res;
  }

  private async resolveByBody(url: string, key: string, reference: string, repo: RegistryRepository, signal?: AbortSignal): Promise<ResolvedImage> {
    const res = await this.send('GET', url, this.cachedAuth(key), reference, signal, true);
    if (res.status !== 200) {
      await res.body.dump();
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered ${res.status} to GET ${reference} after 200 to HEAD; nothing was changed.`,
      );
    }
    const mediaType = this.mediaType(res, reference, repo);
    const bytes = await readCapped(res.body, MANIFEST_MAX_BYTES);
    if (!bytes) throw new RegistryError('E_REGISTRY_BAD_ANSWER', `the manifest of ${reference} is larger than 4 MiB; nothing was changed.`);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const header = single(res.headers['docker-content-digest']);
    if (header !== undefined && header !== digest) {
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} says ${reference} is ${header.slice(0, 80)}, but the manifest it sent hashes to ${digest}; nothing was changed.`,
      );
    }
    return { digest, mediaType, reference };
  }

  private mediaType(res: Sent, reference: string, repo: RegistryRepository): string {
    const type = (single(res.headers['content-type']) ?? '').split(';')[0]!.trim();
    if (!(MANIFEST_MEDIA_TYPES as readonly string[]).includes(type)) {
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered ${reference} with "${type.slice(0, 80) || 'no content type'}", not an image manifest or index; nothing was changed.`,
      );
    }
    return type;
  }

  private cachedAuth(key: string): string | undefined {
    const a = this.auth.get(key);
    if (!a) return undefined;
    if (a.kind === 'bearer' && a.expires <= Date.now()) {
      this.auth.delete(key);
      return undefined;
    }
    return a.header;
  }

  private refused(repo: RegistryRepository, reference: string, status: number, withCredentials: boolean | undefined): RegistryError {
    const how =
      withCredentials === undefined
        ? 'refused access'
        : withCredentials
          ? `refused the credentials for ${repo.authKey} found in DOCKER_CONFIG's config.json`
          : "wants credentials, and DOCKER_CONFIG's config.json has none for it (docker login or crane auth login)";
    return new RegistryError('E_REGISTRY_AUTH', `${repo.host} ${how}: ${reference} (HTTP ${status}); nothing was changed.`);
  }

  private async authenticate(
    repo: RegistryRepository,
    res: Sent,
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ auth: Auth; withCredentials: boolean }> {
    const creds = await findCredentials(repo.authKey, this.env);
    const challenge = parseChallenge(single(res.headers['www-authenticate']));
    if (!challenge)
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `${repo.host} answered 401 for ${reference} without a Basic or Bearer challenge opsbot can follow; nothing was changed.`,
      );
    if (challenge.scheme === 'basic') {
      if (!creds) throw this.refused(repo, reference, 401, false);
      return { auth: { kind: 'basic', header: basic(creds) }, withCredentials: true };
    }
    const tokenUrl = new URL(challenge.realm);
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
    tokenUrl.searchParams.set('scope', `repository:${repo.path}:pull`);
    const tokenRes = await this.send('GET', tokenUrl.toString(), creds ? basic(creds) : undefined, reference, signal, true);
    if (tokenRes.status === 401 || tokenRes.status === 403) {
      await tokenRes.body.dump();
      throw this.refused(repo, reference, tokenRes.status, creds !== null);
    }
    const bytes = tokenRes.status === 200 ? await readCapped(tokenRes.body, TOKEN_MAX_BYTES) : (await tokenRes.body.dump(), null);
    let answer: TokenAnswer | null = null;
    try {
      answer = bytes ? (JSON.parse(bytes.toString('utf8')) as TokenAnswer | null) : null;
    } catch {
      answer = null;
    }
    const token = answer?.token ?? answer?.access_token;
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
      throw new RegistryError(
        'E_REGISTRY_BAD_ANSWER',
        `the token service of ${repo.host} (${tokenUrl.host}) answered ${tokenRes.status} without a usable token for ${reference}; nothing was changed.`,
      );
    }
    const ttl = typeof answer?.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : TOKEN_DEFAULT_TTL_S;
    // Renewed a little early so a token never expires between the check and the request.
    return {
      auth: { kind: 'bearer', header: `Bearer ${token}`, expires: Date.now() + Math.max(1, ttl - 5) * 1000 },
      withCredentials: creds !== null,
    };
  }

  /** One request, retried while the registry is down or overloaded (connection errors, 5xx, 429). */
  private async send(
    method: 'HEAD' | 'GET',
    url: string,
    authorization: string | undefined,
    reference: string,
    signal?: AbortSignal,
    keepBody = false,
    extra: Record<string, string> = {},
  ): Promise<Sent> {
    const host = new URL(url).host;
    let last = '';
    for (let attempt = 0; attempt < this.tries; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, this.backoff), signal);
      if (signal?.aborted) throw new RegistryError('E_REGISTRY_UNREACHABLE', `resolving ${reference} was cancelled`);
      this.roundTrips++;
      try {
        const res = await request(url, {
          method,
          headers: { accept: ACCEPT, 'user-agent': 'opsbot', ...extra, ...(authorization ? { authorization } : {}) },
          dispatcher: this.dispatcher(),
          signal,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        if (res.statusCode >= 500 || res.statusCode === 429) {
          await res.body.dump();
          last = `HTTP ${res.statusCode}`;
          continue;
        }
        // The caller reads the body only of a GET it asked to keep; every other body is drained so the connection is reused.
        if (method === 'HEAD' || !keepBody) await res.body.dump();
        return { status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        if (signal?.aborted) throw new RegistryError('E_REGISTRY_UNREACHABLE', `resolving ${reference} was cancelled`);
        last = describeNetworkError(err);
        if (isTlsTrustError(err)) {
          // Waiting does not make a certificate trusted: say how to trust it instead of retrying.
          throw new RegistryError(
            'E_REGISTRY_UNREACHABLE',
            `${host}'s TLS certificate is not trusted (${last}); nothing was changed. Add its CA to the system store or to NODE_EXTRA_CA_CERTS.`,
          );
        }
      }
    }
    throw new RegistryError(
      'E_REGISTRY_UNREACHABLE',
      `${host} could not be reached for ${reference} after ${this.tries} tries (${last}); nothing was changed. Try again later.`,
    );
  }

  private dispatcher(): Agent {
    // One secure context for every connection: building one from ~300 CA certificates costs tens of ms.
    this.agent ??= new Agent({ connect: { secureContext: createSecureContext({ ca: trustedCertificates(this.env) }) } });
    return this.agent;
  }
}

/**
 * The next page from `Link: </v2/<name>/tags/list?last=…&n=…>; rel="next"`: only on the same
 * host and for the same repository, so a registry cannot send the credentials elsewhere.
 */
function nextPage(link: string | undefined, repo: RegistryRepository, current: string): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link) : null;
  if (!m) return undefined;
  const url = new URL(m[1]!, `https://${repo.host}`);
  const ok = url.host === repo.host && url.pathname === `/v2/${repo.path}/tags/list`;
  const next = `${url.pathname}${url.search}`;
  if (!ok || next === current)
    throw new RegistryError(
      'E_REGISTRY_BAD_ANSWER',
      `${repo.host} sent a next page of the tag list elsewhere or to itself (${m[1]!.slice(0, 80)}): not followed.`,
    );
  return next;
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isTlsTrustError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return TLS_TRUST_CODES.has(e.code ?? '') || TLS_TRUST_CODES.has(e.cause?.code ?? '');
}

/** The reason without the URL's query (never holds a credential, but keeps the reply short). */
function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.code ?? e.cause?.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  return code ? `${code}: ${msg}`.slice(0, 200) : msg.slice(0, 200);
}
