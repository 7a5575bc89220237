import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosignBinary, cosignFailure, cosignMissing, CosignVerifier, type Checked } from './cosign.js';

const CHECKED: Checked = {
  reference: 'ghcr.io/example/web@sha256:' + 'ab'.repeat(32),
  host: 'ghcr.io',
  key: '/etc/opsbot/web.pub',
  fingerprint: 'SHA256:abc',
};
/** cosign's stderr as it prints it, a warning line first. */
const stderr = (error: string) =>
  `WARNING: Skipping tlog verification is an insecure practice …\nError: ${error}\nerror during command execution: ${error}\n`;
const ended = (exitCode: number, error: string) => ({ exitCode, stderr: stderr(error), timedOut: false, isCanceled: false });

describe('cosign verify, as a reply', () => {
  it("cosign's exit codes 10 and 12: unsigned, or signed by another key", () => {
    const unsigned = cosignFailure(ended(10, 'no signatures found'), CHECKED, 60_000);
    expect(unsigned.code).toBe('E_IMAGE_UNSIGNED');
    expect(unsigned.userMessage).toBe(
      `${CHECKED.reference} has no cosign signature in ghcr.io, and a signature by key SHA256:abc (/etc/opsbot/web.pub) is required. Refused: nothing was committed.`,
    );
    const other = cosignFailure(ended(12, 'no matching signatures: invalid signature when validating ASN.1 encoded signature'), CHECKED, 60_000);
    expect(other.code).toBe('E_SIGNATURE_INVALID');
    expect(other.userMessage).toContain('is signed, but no signature verifies with key SHA256:abc');
  });

  it("the registry's refusal, a registry that cannot be reached, a timeout: each named, with cosign's words", () => {
    const denied = cosignFailure(
      ended(1, 'GET https://ghcr.io/v2/example/web/manifests/sha256-ab.sig: UNAUTHORIZED: authentication required; [map[Action:pull]]'),
      CHECKED,
      60_000,
    );
    expect(denied.code).toBe('E_REGISTRY_AUTH');
    expect(denied.userMessage).toContain('ghcr.io refused to show the signatures of ghcr.io/example/web@sha256:abab');
    expect(denied.userMessage).toContain("check the credentials for ghcr.io in DOCKER_CONFIG's config.json");
    const down = cosignFailure(ended(1, 'Get "https://ghcr.io/v2/": dial tcp 1.2.3.4:443: connect: connection refused'), CHECKED, 60_000);
    expect(down.code).toBe('E_REGISTRY_UNREACHABLE');
    expect(down.userMessage).toMatch(
      /^ghcr\.io could not be reached to check the signature of .*connection refused\)\. Nothing was committed; try again later\.$/,
    );
    const tls = cosignFailure(
      ended(1, 'Get "https://ghcr.io/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority'),
      CHECKED,
      60_000,
    );
    expect(tls.code).toBe('E_REGISTRY_UNREACHABLE');
    const slow = cosignFailure({ stderr: '', timedOut: true, isCanceled: false }, CHECKED, 60_000);
    expect(slow.userMessage).toContain('cosign did not finish checking the signature of ghcr.io/example/web@sha256:');
    expect(slow.userMessage).toContain('in 60 s');
  });

  it('anything else is not taken as verified: cosign said what', () => {
    const odd = cosignFailure(ended(1, 'loading public key: unsupported'), CHECKED, 60_000);
    expect(odd.code).toBe('E_SIGNATURE_CHECK_FAILED');
    expect(odd.userMessage).toBe(
      `cosign could not check the signature of ${CHECKED.reference}: loading public key: unsupported. Nothing was committed.`,
    );
  });
});

describe('which cosign', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-cosign-which-'));
  const bin = join(dir, 'cosign');
  writeFileSync(bin, '#!/bin/sh\nexit 0\n');
  chmodSync(bin, 0o755);

  it('OPSBOT_COSIGN (an absolute path) first, else cosign on PATH', () => {
    expect(cosignBinary({ OPSBOT_COSIGN: bin, PATH: '' })).toBe(bin);
    expect(cosignBinary({ PATH: dir })).toBe(bin);
    expect(cosignBinary({ PATH: '/nonexistent' })).toBeUndefined();
  });

  it('says why it is missing', () => {
    expect(cosignMissing({ PATH: '/nonexistent' })).toBe('cosign is not on PATH (install it, or set OPSBOT_COSIGN to its path)');
    expect(cosignMissing({ OPSBOT_COSIGN: 'cosign', PATH: dir })).toBe('OPSBOT_COSIGN is "cosign", which is not an absolute path');
    expect(cosignMissing({ OPSBOT_COSIGN: join(dir, 'nope') })).toContain('which is not an executable file');
    expect(cosignMissing({ OPSBOT_COSIGN: bin })).toBeUndefined();
  });

  it('a digest or image that is not valid never reaches cosign', async () => {
    const v = new CosignVerifier({ env: { OPSBOT_COSIGN: bin } });
    await expect(v.verify('ghcr.io/example/web', 'latest', '/k.pub')).rejects.toThrow('"latest" is not a sha256 digest');
    await expect(v.verify('ghcr.io/Example/web', `sha256:${'ab'.repeat(32)}`, '/k.pub')).rejects.toMatchObject({ code: 'E_BAD_IMAGE' });
  });
});
