import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison (of fixed-length digests, so lengths leak nothing either). */
export function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHmac('sha256', 'opsbot-compare').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Does an `Authorization` header carry `Bearer <token>`? */
export function bearerMatches(header: string | undefined, token: string): boolean {
  return header?.startsWith('Bearer ') === true && sameToken(header.slice('Bearer '.length).trim(), token);
}
