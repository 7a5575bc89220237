/**
 * Stable codes for everything that can go wrong around the Terraform/OpenTofu CLI. Job
 * handlers branch on `code` (e.g. E_PLAN_STALE asks for a new plan, E_STATE_LOCKED names the
 * holder); the message is already free of secrets.
 */
export type TerraformErrorCode =
  | 'E_TF_MISSING' // the binary is not installed / not executable
  | 'E_TF_SANDBOX' // the sandbox is required but cannot run on this machine; nothing was run
  | 'E_TF_BAD_INPUT' // a name or path we were given failed validation; nothing was run
  | 'E_TF_FAILED' // the CLI ran and reported errors (diagnostics attached)
  | 'E_TF_CANCELLED' // stopped through the AbortSignal
  | 'E_TF_BAD_OUTPUT' // the CLI printed something we could not parse
  | 'E_PLAN_STALE' // the saved plan no longer matches the state: plan again
  | 'E_STATE_LOCKED'; // another operation holds the state lock

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  address?: string;
  filename?: string;
  line?: number;
}

/** What `tofu` prints about the holder of a state lock ("Lock Info:" block). */
export interface LockInfo {
  id?: string;
  path?: string;
  operation?: string;
  who?: string;
  version?: string;
  created?: string;
  info?: string;
}

export type Termination = 'SIGINT' | 'SIGKILL';

export interface TerraformErrorDetails {
  exitCode?: number;
  diagnostics?: Diagnostic[];
  lock?: LockInfo;
  /** For E_TF_CANCELLED: whether tofu stopped after SIGINT or had to be killed. */
  termination?: Termination;
  /** The CLI that ran (`tofu` or `terraform`), to name it in what the chat is told. */
  cli?: string;
  cause?: unknown;
}

export class TerraformError extends Error {
  readonly code: TerraformErrorCode;
  readonly exitCode?: number;
  readonly diagnostics: Diagnostic[];
  readonly lock?: LockInfo;
  readonly termination?: Termination;
  readonly cli: string;

  constructor(code: TerraformErrorCode, message: string, details: TerraformErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TerraformError';
    this.code = code;
    this.exitCode = details.exitCode;
    this.diagnostics = details.diagnostics ?? [];
    this.lock = details.lock;
    this.termination = details.termination;
    this.cli = details.cli ?? 'tofu';
  }
}

export function isTerraformError(err: unknown): err is TerraformError {
  return err instanceof TerraformError;
}
