import { execa } from 'execa';
import type { Redis } from 'ioredis';
import { OpsbotError } from '../../core/errors.js';
import type { Field, Message } from '../../core/message.js';
import type { JobKind } from '../kind.js';

export interface DiagnosePayload {
  /** Nothing to choose: diagnose reports on the worker that runs it. */
  readonly _?: never;
}

/**
 * `/diagnose`: proves the whole path (chat → queue → a worker → the chat) and tells an operator
 * what the worker that picked it up can reach: Redis, git, the Terraform-compatible CLI.
 */
export interface DiagnoseDeps {
  redis: Pick<Redis, 'info'>;
  tfBinary: () => string | undefined;
  tfConfigured?: string;
  /** The first line of `<bin> <args>` (default: run it, 15 s at most). */
  versionOf?: (bin: string, args: string[], signal: AbortSignal) => Promise<string>;
}

export function diagnoseJob(deps: DiagnoseDeps): JobKind<DiagnosePayload> {
  const version = deps.versionOf ?? versionOf;
  return {
    name: 'diagnose',
    idempotent: true,
    attempts: 2,
    async run({ reporter, signal }) {
      await reporter.progress({ text: 'Checking Redis, git and Terraform on the worker…' });
      const info = await deps.redis.info('server');
      const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      const fields: Field[] = [
        { label: 'Worker', value: `pid ${process.pid}, Node.js ${process.version}` },
        { label: 'Redis', value: redisVersion },
        { label: 'git', value: await version('git', ['--version'], signal) },
      ];
      const tf = deps.tfBinary();
      // A configured binary that is not there is a broken worker, not a detail: fail loudly.
      if (deps.tfConfigured && !tf)
        throw new OpsbotError('E_TF_MISSING', `TF_BINARY is set to "${deps.tfConfigured}", which is not an executable on this worker.`);
      fields.push({
        label: 'Terraform CLI',
        value: tf ? `${await version(tf, ['version'], signal)} (${tf})` : 'not found (set TF_BINARY or put terraform/tofu on PATH)',
      });
      const message: Message = { title: 'Diagnosis', fields };
      return message;
    },
  };
}

async function versionOf(bin: string, args: string[], signal: AbortSignal): Promise<string> {
  try {
    const { stdout } = await execa(bin, args, { cancelSignal: signal, timeout: 15_000, env: { TF_CLI_CONFIG_FILE: '/dev/null' } });
    return stdout.split('\n')[0]?.trim() || 'unknown';
  } catch (err) {
    if (signal.aborted) throw err;
    return `unavailable (${(err as { shortMessage?: string }).shortMessage ?? String(err)})`;
  }
}
