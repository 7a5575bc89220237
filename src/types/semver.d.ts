/**
 * The part of `semver` (npm's own parser, already installed through bullmq) that opsbot uses;
 * the package ships no types and @types/semver is not installed.
 */
declare module 'semver' {
  interface Options {
    loose?: boolean;
    includePrerelease?: boolean;
  }
  export function valid(version: string, options?: Options): string | null;
  export function validRange(range: string, options?: Options): string | null;
  export function maxSatisfying(versions: readonly string[], range: string, options?: Options): string | null;
  export function compare(a: string, b: string, options?: Options): -1 | 0 | 1;
  const semver: {
    valid: typeof valid;
    validRange: typeof validRange;
    maxSatisfying: typeof maxSatisfying;
    compare: typeof compare;
  };
  export default semver;
}
