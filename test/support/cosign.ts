import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Crane } from './crane.js';

/**
 * The real `cosign` (built by the test environment from the Go module proxy, as the Dockerfile
 * builds it for opsbot) signing images in the test environment's registry: key pairs made with
 * `cosign generate-key-pair`, signatures pushed with `cosign sign --key`, never to Sigstore's
 * transparency log (`--tlog-upload=false`: it is on the internet). It logs in through the same
 * DOCKER_CONFIG as crane and trusts the registry's CA through SSL_CERT_FILE.
 */
export interface KeyPair {
  /** cosign.key (encrypted with `password`) and cosign.pub. */
  privateKey: string;
  publicKey: string;
  password: string;
}

export interface Cosign {
  /** A new key pair in its own directory. */
  keyPair(): Promise<KeyPair>;
  /** Signs `<registry>/<repo>@<digest>` with `key`. */
  sign(repo: string, digest: string, key: KeyPair): Promise<void>;
}

export function cosignFor(reg: Record<string, string>, crane: Crane): Cosign {
  const bin = reg.COSIGN ?? 'cosign';
  const home = mkdtempSync(join(tmpdir(), 'opsbot-cosign-home-'));
  const env = (password: string) => ({
    COSIGN_PASSWORD: password,
    DOCKER_CONFIG: crane.dockerConfig,
    SSL_CERT_FILE: reg.REGISTRY_CA ?? '',
    HOME: home,
  });
  return {
    async keyPair() {
      const dir = mkdtempSync(join(tmpdir(), 'opsbot-cosign-key-'));
      const password = randomBytes(9).toString('base64url');
      await execa(bin, ['generate-key-pair'], { cwd: dir, env: env(password), stdin: 'ignore' });
      return { privateKey: join(dir, 'cosign.key'), publicKey: join(dir, 'cosign.pub'), password };
    },
    async sign(repo, digest, key) {
      await execa(bin, ['sign', '--key', key.privateKey, '--tlog-upload=false', '--yes', `${crane.registry}/${repo}@${digest}`], {
        env: env(key.password),
        stdin: 'ignore',
      });
    },
  };
}
