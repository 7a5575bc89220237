import { createHash, timingSafeEqual } from 'node:crypto';

/** Telegram: secret_token is "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed" (setWebhook). */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/** The header Telegram puts the secret_token in, on every webhook call. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Does the header carry the configured secret? Constant-time: both sides are hashed to the same
 * length first, so neither the content nor the length of the secret leaks through timing.
 */
export function webhookSecretMatches(expected: string, received: string | string[] | undefined): boolean {
  if (typeof received !== 'string' || received.length === 0) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(received));
}
