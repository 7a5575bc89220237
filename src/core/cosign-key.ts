import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A cosign public key file (what `cosign generate-key-pair` writes as `cosign.pub`): read only to
 * refuse a wrong file early (missing, a private key, not a key) and to name the key by its
 * fingerprint in replies, commits and the audit. Verifying signatures is cosign's job, never ours.
 */
export interface CosignPublicKey {
  /** `SHA256:<base64>` of the DER SubjectPublicKeyInfo, as OpenSSH names keys. */
  fingerprint: string;
  /** `ec`, `rsa` or `ed25519`: the kinds cosign signs with. */
  type: string;
}

/** The key kinds cosign verifies (ECDSA P-256/384/521, RSA, Ed25519). */
const COSIGN_KEY_TYPES = new Set(['ec', 'rsa', 'ed25519']);
const PUBLIC_PEM = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/;
/** Where a key file may be: it reaches cosign's argv, and cosign reads `scheme://` values as KMS or Kubernetes references. */
export const KEY_PATH_PATTERN = /^[A-Za-z0-9._/-]{1,1024}$/;

export function fingerprintOf(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** Parses `text` (the file's content); the error says what is wrong, for check-config. */
export function parseCosignPublicKey(text: string): CosignPublicKey {
  if (/PRIVATE KEY-----/.test(text))
    throw new Error('is a private key: give the public key (cosign.pub), which is all opsbot needs to check signatures');
  const pem = PUBLIC_PEM.exec(text)?.[0];
  if (!pem) throw new Error('is not a PEM public key ("-----BEGIN PUBLIC KEY-----", as `cosign generate-key-pair` writes cosign.pub)');
  let type: string | undefined;
  try {
    type = createPublicKey(pem).asymmetricKeyType;
  } catch (err) {
    throw new Error(`does not hold a valid public key: ${(err as Error).message}`);
  }
  if (!type || !COSIGN_KEY_TYPES.has(type)) throw new Error(`holds a ${type ?? 'unknown'} key: cosign keys are ECDSA, RSA or Ed25519`);
  return { fingerprint: fingerprintOf(pem), type };
}

export function readCosignPublicKey(file: string): CosignPublicKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? String(err)})`);
  }
  try {
    return parseCosignPublicKey(text);
  } catch (err) {
    throw new Error(`${file} ${(err as Error).message}`);
  }
}
