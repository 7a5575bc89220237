import { OpsbotError } from '../core/errors.js';

/**
 * Errors of the GitOps layer. Callers branch on `code`, never on message text. The message is
 * written where the error is thrown and is what the chat shows: it names the file (or remote)
 * and the reason, and never holds a credential (git output is redacted before it gets here).
 */
export const GITOPS_ERROR_CODES = [
  /** The tag file named in the config does not exist in the repository. */
  'E_FILE_MISSING',
  /** The file is not valid YAML, so editing it could only make it worse. */
  'E_YAML_BROKEN',
  /** A Helm values key path (or another required key) is not in the file. */
  'E_KEY_MISSING',
  /** No container / images entry for the app's image was found. */
  'E_IMAGE_MISSING',
  /** More than one place matches; opsbot will not guess which one is meant. */
  'E_CONTAINER_AMBIGUOUS',
  /** /config: the key's value comes from a Secret or ConfigMap reference (valueFrom), not from the file. */
  'E_VALUE_FROM',
  /** /config: the place is written in a form opsbot does not rewrite (flow style, a block scalar, a shared line). */
  'E_UNEDITABLE',
  /** The requested tag or digest is not a valid OCI reference (or not usable at this location). */
  'E_BAD_TAG',
  /** A branch name, job id or path failed validation before reaching git. */
  'E_BAD_NAME',
  /** The remote could not be reached (DNS, connection, missing repository). */
  'E_GIT_UNREACHABLE',
  /** The remote refused our credentials. */
  'E_GIT_AUTH',
  /** Pushes kept being rejected because others pushed first; retries are exhausted. */
  'E_PUSH_CONFLICT',
  /**
   * The remote refused the push for a reason of its own (a pre-receive hook, a maintenance
   * window, a server-side lock): not our credentials and not a race. Worth retrying later.
   */
  'E_PUSH_REFUSED',
  /** Any other git failure. */
  'E_GIT',
  /** The GitHub API refused or failed a pull-request call. */
  'E_GITHUB',
  /**
   * A pull request's head is not the commit opsbot pushed (someone pushed to its branch): it is
   * closed, never merged.
   */
  'E_HEAD_CHANGED',
  /** gitops.signing: the key in the environment cannot be used to sign. */
  'E_SIGNING',
  /** /rollback: no earlier version to go back to (or every one was rolled back from). */
  'E_NO_PREVIOUS',
  /** /rollback --to: the file never held that version. */
  'E_NOT_IN_HISTORY',
] as const;

export type GitopsErrorCode = (typeof GITOPS_ERROR_CODES)[number];

export class GitopsError extends OpsbotError {
  override readonly name = 'GitopsError';
  declare readonly code: GitopsErrorCode;

  constructor(
    code: GitopsErrorCode,
    message: string,
    /** The repository file the error is about, when there is one. */
    readonly file?: string,
  ) {
    super(code, message);
  }
}

export function isGitopsError(err: unknown, code?: GitopsErrorCode): err is GitopsError {
  return err instanceof GitopsError && (code === undefined || err.code === code);
}
