import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { readCosignPublicKey } from '../core/cosign-key.js';
import { DIGEST_PATTERN, parseRepository } from '../core/oci-reference.js';
import { which } from '../core/which.js';
import { readAuths } from './docker-config.js';
import { RegistryError } from './errors.js';
import { trustedCertificates } from './trust.js';

/**
 * Checks that an image digest carries a valid cosign signature for a public key, by running the
 * real `cosign verify` (the same release the Dockerfile builds): opsbot holds no signature code
 * of its own. What cosign is given, and why:
 * - `repo@sha256:…`, never a tag: the digest checked is the digest committed.
 * - `--key <file>`: the configured public key is the whole of the trust. An empty Sigstore
 *   trusted root (`--trusted-root`) keeps cosign from fetching Sigstore's TUF metadata from the
 *   internet, and `--insecure-ignore-tlog` from asking Rekor: the transparency log and keyless
 *   (Fulcio) signatures need Sigstore's public services, which this check does not use.
 * - The registry is reached as opsbot reaches it: credentials from the `auths` of the same
 *   DOCKER_CONFIG (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) — only those,
 *   copied for the run, so a `credsStore` or `credHelpers` entry never makes cosign start a
 *   `docker-credential-*` program opsbot itself would not run — and TLS trust from the same
 *   certificates (system store plus NODE_EXTRA_CA_CERTS, see trust.ts) written to one bundle
 *   for Go's SSL_CERT_FILE. Nothing else of opsbot's environment reaches the process.
 */
export interface VerifiedSignature {
  /** `SHA256:…` of the key that verified it. */
  fingerprint: string;
  /** The key file, as resolved. */
  key: string;
  /** Signatures cosign found valid for that key (one or more). */
  signatures: number;
  /** `registry/repo@sha256:…`, what was checked. */
  reference: string;
}

export interface CosignOptions {
  /** OPSBOT_COSIGN, PATH, DOCKER_CONFIG, HOME, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE come from here. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** One `cosign verify` (default 60 s): it retries a registry that answers 5xx itself. */
  timeoutMs?: number;
}

/** cosign's own exit codes (cmd/cosign/errors/exit_codes.go). */
const IMAGE_WITHOUT_SIGNATURE = 10;
const NO_MATCHING_SIGNATURE = 12;

/** An empty Sigstore trusted root: no Fulcio CA, no Rekor, no CT log — only the key is trusted. */
const EMPTY_TRUSTED_ROOT = JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });

/** The cosign binary: `OPSBOT_COSIGN` (a path), else `cosign` on PATH; undefined when there is none. */
export function cosignBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.OPSBOT_COSIGN?.trim();
  if (configured) return isAbsolute(configured) ? which(configured, env) : undefined;
  return which('cosign', env);
}

/** Why cosign is not usable here, for start, check-config and a refused deploy; undefined when it is. */
export function cosignMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (cosignBinary(env)) return undefined;
  const configured = env.OPSBOT_COSIGN?.trim();
  return configured
    ? `OPSBOT_COSIGN is "${configured.slice(0, 200)}", which is not ${isAbsolute(configured) ? 'an executable file' : 'an absolute path'}`
    : 'cosign is not on PATH (install it, or set OPSBOT_COSIGN to its path)';
}

export class CosignVerifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(opts: CosignOptions = {}) {
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /**
   * Resolves when `image@digest` has a valid signature by `keyFile`; otherwise throws
   * E_IMAGE_UNSIGNED, E_SIGNATURE_INVALID, E_REGISTRY_AUTH, E_REGISTRY_UNREACHABLE,
   * E_COSIGN_MISSING or E_SIGNATURE_CHECK_FAILED, each saying that nothing was committed.
   */
  async verify(image: string, digest: string, keyFile: string, signal?: AbortSignal): Promise<VerifiedSignature> {
    let repo: ReturnType<typeof parseRepository>;
    try {
      repo = parseRepository(image);
    } catch (err) {
      throw new RegistryError('E_BAD_IMAGE', (err as Error).message);
    }
    if (!DIGEST_PATTERN.test(digest)) throw new RegistryError('E_BAD_IMAGE', `"${digest.slice(0, 80)}" is not a sha256 digest`);
    const reference = `${image}@${digest}`;
    const key = readKey(keyFile);
    const bin = cosignBinary(this.env);
    if (!bin)
      throw new RegistryError(
        'E_COSIGN_MISSING',
        `${reference} must carry a cosign signature, but this worker cannot check one: ${cosignMissing(this.env)}. Nothing was committed.`,
      );
    const work = mkdtempSync(join(tmpdir(), 'opsbot-cosign-'));
    try {
      const certs = join(work, 'certs');
      mkdirSync(certs);
      writeFileSync(join(certs, 'ca.pem'), trustedCertificates(this.env).join('\n'));
      writeFileSync(join(work, 'trusted_root.json'), EMPTY_TRUSTED_ROOT);
      const docker = join(work, 'docker');
      mkdirSync(docker, { mode: 0o700 });
      writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: await authsOf(this.env) }), { mode: 0o600 });
      const args = [
        'verify',
        '--key',
        keyFile,
        '--trusted-root',
        join(work, 'trusted_root.json'),
        '--insecure-ignore-tlog=true',
        '--offline=true',
        '--output',
        'json',
        '--',
        reference,
      ];
      const r = await execa(bin, args, {
        env: {
          PATH: this.env.PATH ?? '',
          HOME: work,
          DOCKER_CONFIG: docker,
          SSL_CERT_FILE: join(certs, 'ca.pem'),
          SSL_CERT_DIR: certs,
        },
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        timeout: this.timeoutMs,
        cancelSignal: signal,
        forceKillAfterDelay: 2_000,
        maxBuffer: 1024 * 1024,
      });
      const checked = { reference, host: repo.host, key: keyFile, fingerprint: key };
      if (r.exitCode === 0) return { ...checked, signatures: signaturesFor(r.stdout, digest, reference) };
      throw cosignFailure(r, checked, this.timeoutMs, signal);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

/** What opsbot's own registry client logs in with (docker-config.ts); a file it cannot read refuses the deploy. */
async function authsOf(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  try {
    return (await readAuths(env)).auths;
  } catch (err) {
    if (err instanceof RegistryError) throw new RegistryError(err.code, `${err.message}. Nothing was committed.`, { cause: err });
    throw err;
  }
}

function readKey(keyFile: string): string {
  try {
    return readCosignPublicKey(keyFile).fingerprint;
  } catch (err) {
    throw new RegistryError('E_SIGNATURE_CHECK_FAILED', `the signing key ${(err as Error).message}. Nothing was committed.`);
  }
}

/** cosign prints one payload per valid signature; each must name the digest asked about. */
function signaturesFor(stdout: string, digest: string, reference: string): number {
  let payloads: unknown;
  try {
    payloads = JSON.parse(stdout);
  } catch {
    payloads = undefined;
  }
  const named = (p: unknown) => (p as { critical?: { image?: Record<string, unknown> } })?.critical?.image?.['docker-manifest-digest'] === digest;
  if (!Array.isArray(payloads) || payloads.length === 0 || !payloads.every(named))
    throw new RegistryError(
      'E_SIGNATURE_CHECK_FAILED',
      `cosign accepted ${reference} but printed no signature payload naming that digest: not taken as verified. Nothing was committed.`,
    );
  return payloads.length;
}

/** What was asked of cosign, for the messages. */
export interface Checked {
  reference: string;
  host: string;
  key: string;
  fingerprint: string;
}

/** How the cosign process ended (execa's result, the fields read). */
export interface Finished {
  exitCode?: number;
  stderr: string;
  timedOut: boolean;
  isCanceled: boolean;
  shortMessage?: string;
}

/** cosign's exit code and its `Error:` line, as the reply a user can act on. */
export function cosignFailure(r: Finished, c: Checked, timeoutMs: number, signal?: AbortSignal): RegistryError {
  const byKey = `key ${c.fingerprint} (${c.key})`;
  if (r.isCanceled || signal?.aborted) return new RegistryError('E_REGISTRY_UNREACHABLE', `checking the signature of ${c.reference} was cancelled`);
  if (r.timedOut)
    return new RegistryError(
      'E_REGISTRY_UNREACHABLE',
      `cosign did not finish checking the signature of ${c.reference} in ${Math.round(timeoutMs / 1000)} s (is ${c.host} slow or unreachable?). Nothing was committed.`,
    );
  if (r.exitCode === IMAGE_WITHOUT_SIGNATURE)
    return new RegistryError(
      'E_IMAGE_UNSIGNED',
      `${c.reference} has no cosign signature in ${c.host}, and a signature by ${byKey} is required. Refused: nothing was committed.`,
    );
  if (r.exitCode === NO_MATCHING_SIGNATURE)
    return new RegistryError(
      'E_SIGNATURE_INVALID',
      `${c.reference} is signed, but no signature verifies with ${byKey} (signed with another key, or tampered with). Refused: nothing was committed.`,
    );
  const said = cosignError(r.stderr) ?? r.shortMessage ?? `exited with code ${r.exitCode ?? '?'}`;
  if (/\b(UNAUTHORIZED|DENIED|401|403)\b/.test(said))
    return new RegistryError(
      'E_REGISTRY_AUTH',
      `${c.host} refused to show the signatures of ${c.reference} (${said}): check the credentials for ${c.host} in DOCKER_CONFIG's config.json. Nothing was committed.`,
    );
  if (/connection refused|no such host|i\/o timeout|timeout|connection reset|EOF|x509|certificate|tls:|\b5\d\d\b/i.test(said))
    return new RegistryError(
      'E_REGISTRY_UNREACHABLE',
      `${c.host} could not be reached to check the signature of ${c.reference} (${said}). Nothing was committed; try again later.`,
    );
  return new RegistryError('E_SIGNATURE_CHECK_FAILED', `cosign could not check the signature of ${c.reference}: ${said}. Nothing was committed.`);
}

/** cosign's own words: its `Error: …` line, without the noise around it. */
function cosignError(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('Error: '));
  return line?.slice('Error: '.length, 'Error: '.length + 300);
}
