import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCosignPublicKey, readCosignPublicKey } from './cosign-key.js';

const pem = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ type: 'spki', format: 'pem' }).toString();

describe('cosign public keys', () => {
  it('an ECDSA P-256 key (what cosign generate-key-pair makes): named by the SHA-256 of its DER form', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const expected = `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
    expect(parseCosignPublicKey(pem(publicKey))).toEqual({ fingerprint: expected, type: 'ec' });
    expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('RSA and Ed25519 keys are accepted; text around the PEM block is ignored', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(parseCosignPublicKey(`# web signing key\n${pem(rsa)}`).type).toBe('rsa');
    expect(parseCosignPublicKey(pem(generateKeyPairSync('ed25519').publicKey)).type).toBe('ed25519');
  });

  it('a private key, something that is not a key, a key cosign does not sign with: each says why', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => parseCosignPublicKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(
      /is a private key: give the public key/,
    );
    expect(() => parseCosignPublicKey('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n')).toThrow(
      /is a private key/,
    );
    expect(() => parseCosignPublicKey('ssh-ed25519 AAAAC3Nza… alice')).toThrow(/is not a PEM public key/);
    expect(() => parseCosignPublicKey('-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n')).toThrow(
      /does not hold a valid public key/,
    );
    expect(() => parseCosignPublicKey(pem(generateKeyPairSync('x25519').publicKey))).toThrow(
      /holds a x25519 key: cosign keys are ECDSA, RSA or Ed25519/,
    );
  });

  it('a file that is not there is named', () => {
    expect(() => readCosignPublicKey('/nonexistent/cosign.pub')).toThrow('/nonexistent/cosign.pub does not exist');
  });
});
