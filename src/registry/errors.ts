import { OpsbotError } from '../core/errors.js';

/**
 * Errors of the image registry layer. Callers branch on `code`; the message is what the chat
 * shows: it names the image and the registry and never holds a credential or a token.
 */
export const REGISTRY_ERROR_CODES = [
  /** The registry answered that the tag (or repository) does not exist. */
  'E_TAG_NOT_FOUND',
  /** The registry refused the credentials (or there were none and it wants some). */
  'E_REGISTRY_AUTH',
  /** Connection refused, timed out, TLS failure, or 5xx/429 on every try. */
  'E_REGISTRY_UNREACHABLE',
  /** An answer that is not what the distribution spec says: no or malformed digest, wrong media type, a body whose hash differs from its digest. */
  'E_REGISTRY_BAD_ANSWER',
  /** `/deploy app tag@sha256:…`: the registry's digest for the tag is another one. */
  'E_DIGEST_MISMATCH',
  /** The configured image name is not a valid reference. */
  'E_BAD_IMAGE',
  /** A signature is required and the digest has none (cosign verify: exit 10). */
  'E_IMAGE_UNSIGNED',
  /** A signature is required and none verifies with the configured key (cosign verify: exit 12). */
  'E_SIGNATURE_INVALID',
  /** A signature is required and this worker has no cosign to check it. */
  'E_COSIGN_MISSING',
  /** cosign failed in another way (unreadable key, unexpected output): the deploy is not taken as verified. */
  'E_SIGNATURE_CHECK_FAILED',
] as const;

export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

export class RegistryError extends OpsbotError {
  override readonly name = 'RegistryError';
  declare readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
