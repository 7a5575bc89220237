import { execa } from 'execa';
import { GitopsError, type GitopsErrorCode } from './errors.js';
import { redactGitOutput } from './git-redact.js';
import type { GitRemote } from './git-remote.js';

/**
 * Runs `git` with argument arrays (never a shell string) in an environment that does not depend
 * on the machine's user or system git config, never prompts, and carries credentials only in
 * process memory: an HTTPS token travels as an `http.extraHeader` through GIT_CONFIG_* variables,
 * so it is neither in `.git/config` nor in the process list.
 */
export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GitRunnerOptions {
  remote: GitRemote;
  /** HTTPS token (overrides one found in the URL). */
  token?: string;
  /** Where GIT_SSH_COMMAND, SSH_AUTH_SOCK, proxies etc. come from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per git command; network operations are the slow ones. */
  timeoutMs?: number;
  /** More configuration through GIT_CONFIG_* (commit signing); never written to a file. */
  config?: Record<string, string>;
  /** More variables for every git command (GNUPGHOME for OpenPGP signing). */
  extraEnv?: Record<string, string>;
}

/** Variables passed through from the caller's environment; everything else is dropped. */
const PASSED_THROUGH = [
  'PATH', 'HOME', 'TMPDIR', 'SSH_AUTH_SOCK', 'GIT_SSH_COMMAND', 'GIT_SSH', 'GIT_SSL_CAINFO', 'GIT_SSL_NO_VERIFY', 'SSL_CERT_FILE',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

export class GitRunner {
  private readonly env: Record<string, string>;
  private readonly secrets: string[];
  private readonly timeoutMs: number;

  constructor(opts: GitRunnerOptions) {
    const source = opts.env ?? process.env;
    const env: Record<string, string> = {
      // English messages, so failures can be classified; no prompt may ever block a worker.
      LC_ALL: 'C',
      LANG: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    };
    for (const k of PASSED_THROUGH) {
      const v = source[k];
      if (v !== undefined) env[k] = v;
    }
    if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
    this.secrets = [];
    const config: [string, string][] = Object.entries(opts.config ?? {});
    const password = opts.token ?? opts.remote.password;
    if (opts.remote.isHttp && password) {
      const user = opts.token ? 'x-access-token' : (opts.remote.username ?? 'x-access-token');
      const basic = Buffer.from(`${user}:${password}`).toString('base64');
      config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
      this.secrets.push(password, basic);
    }
    if (config.length) {
      env.GIT_CONFIG_COUNT = String(config.length);
      config.forEach(([k, v], i) => Object.assign(env, { [`GIT_CONFIG_KEY_${i}`]: k, [`GIT_CONFIG_VALUE_${i}`]: v }));
    }
    Object.assign(env, opts.extraEnv);
    this.env = env;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  redact(text: string): string {
    return redactGitOutput(text, this.secrets);
  }

  /** Runs git; a non-zero exit is returned, not thrown, so callers can tell a rejected push apart. */
  async run(args: readonly string[], opts: { cwd: string; input?: string; extraEnv?: Record<string, string> }): Promise<GitResult> {
    const result = await execa('git', [...args], {
      cwd: opts.cwd,
      env: { ...this.env, ...opts.extraEnv },
      extendEnv: false,
      reject: false,
      timeout: this.timeoutMs,
      stripFinalNewline: false,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    });
    if (result.timedOut) {
      throw new GitopsError('E_GIT_UNREACHABLE', `git ${args[0]} timed out after ${Math.round(this.timeoutMs / 1000)} s`);
    }
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode: result.exitCode ?? 1 };
  }

  /** Runs git and throws a classified, redacted error when it fails. */
  async ok(args: readonly string[], opts: { cwd: string; input?: string; extraEnv?: Record<string, string> }): Promise<string> {
    const r = await this.run(args, opts);
    if (r.exitCode !== 0) throw this.failure(args, r);
    return r.stdout;
  }

  failure(args: readonly string[], r: GitResult): GitopsError {
    const detail = this.redact(r.stderr || r.stdout).trim().split('\n').slice(-6).join('\n');
    // A push's per-ref verdicts ("[remote rejected] … (pre-receive hook declined)") are on stdout with --porcelain.
    const code = classifyGitFailure(`${r.stderr}\n${r.stdout}`);
    return new GitopsError(code, `git ${args[0]} failed (${code}): ${detail || `exit code ${r.exitCode}`}`);
  }
}

/** Git's own wording (LC_ALL=C) for the failures a user can act on differently. */
export function classifyGitFailure(stderr: string): GitopsErrorCode {
  if (/Authentication failed|Permission denied \(publickey|could not read (Username|Password)|terminal prompts disabled|Invalid username or password|returned error: 40[13]|Permission to .* denied|Host key verification failed|HTTP Basic: Access denied/i.test(stderr)) {
    return 'E_GIT_AUTH';
  }
  if (/Could not resolve host|Connection refused|Connection timed out|Network is unreachable|does not appear to be a git repository|Could not read from remote repository|unable to access|No route to host|returned error: 404|repository .* not found|Operation timed out/i.test(stderr)) {
    return 'E_GIT_UNREACHABLE';
  }
  // "! [remote rejected] main -> main (pre-receive hook declined)": the server said no this time.
  if (/\[remote rejected\]|pre-receive hook declined|hook declined/i.test(stderr)) return 'E_PUSH_REFUSED';
  return 'E_GIT';
}

/** A push refused because the branch moved under us: redo the change on the new head. */
export function isPushConflict(stderr: string): boolean {
  return /\[rejected\]|\(fetch first\)|non-fast-forward|\(stale info\)|cannot lock ref|failed to update ref|incorrect old value|failed to lock|shallow update not allowed/i.test(stderr);
}
