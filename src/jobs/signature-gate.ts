import { verificationFor } from '../core/config/signature-keys.js';
import { OpsbotError } from '../core/errors.js';
import type { Field, Progress } from '../core/message.js';
import { DIGEST_PATTERN } from '../core/oci-reference.js';
import type { DeployedApp, Pinned } from './deploy-target.js';
import type { ImageSignatures } from './seams.js';

/** What was checked, for the reply, the commit message and the audit. */
export interface SignatureProof {
  /** `SHA256:…` of the public key. */
  fingerprint: string;
  /** The key file as the configuration names it. */
  key: string;
}

/**
 * An app environment with `verify`: the digest about to be committed must carry a valid cosign
 * signature, checked after the tag was resolved and before anything is written. Any failure
 * throws, so nothing is committed; an environment without `verify` is not checked.
 */
export async function checkSignature(
  signatures: ImageSignatures | undefined,
  t: Pick<DeployedApp, 'app' | 'env' | 'appConfig' | 'location'>,
  pinned: Pinned,
  progress: Progress,
  signal: AbortSignal,
): Promise<SignatureProof | undefined> {
  const verify = verificationFor(t.appConfig, t.location);
  if (!verify) return undefined;
  const reference = `${t.appConfig.image}@${pinned.ref}`;
  if (!DIGEST_PATTERN.test(pinned.ref))
    throw new OpsbotError(
      'E_SIGNATURE_CHECK_FAILED',
      `${t.app} in ${t.env} requires a verified signature, which is checked on a digest, and "${pinned.ref}" is not one. Nothing was committed.`,
    );
  if (!signatures) throw new OpsbotError('E_INTERNAL', 'verify needs the signature checker, which this worker was started without');
  await progress({ text: `Checking the cosign signature of ${reference}…` });
  const { fingerprint } = await signatures.verify(t.appConfig.image, pinned.ref, verify, signal);
  return { fingerprint, key: verify.cosign.key };
}

/** `verified by cosign with key SHA256:… (keys/web.pub)` */
export function describeProof(p: SignatureProof): string {
  return `verified by cosign with key ${p.fingerprint} (${p.key})`;
}

export function signatureField(p: SignatureProof | undefined): Field[] {
  return p ? [{ label: 'Signature', value: describeProof(p) }] : [];
}

/** The line a commit message gets: a reviewer of the repository sees which key vouched for the image. */
export function signatureLine(p: SignatureProof | undefined): string | undefined {
  return p ? `Signature: ${describeProof(p)}` : undefined;
}

/** The codes that refuse a deploy instead of failing it: the image, not opsbot, is what is wrong. */
export const SIGNATURE_REFUSALS = { E_IMAGE_UNSIGNED: 'refused', E_SIGNATURE_INVALID: 'refused' } as const;
