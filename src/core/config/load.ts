import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { findSecrets } from './secrets-scan.js';
import { checkReferences, type ConfigProblem } from './references.js';
import { signatureKeyProblems } from './signature-keys.js';

export type { ConfigProblem };

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly file: string;
  constructor(file: string, problems: ConfigProblem[]) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  ${p.path || '(file)'}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from. */
  file: string;
  /** Directory the file's relative paths are resolved against. */
  baseDir: string;
  /** True when no file was given or found and the bundled local config is in use. */
  bundled: boolean;
}

/** The bundled config for the embedded default: the example GitOps repo and Terraform stack. */
export const BUNDLED_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../config/local.yaml');
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Which file to read: `--config`, else `OPSBOT_CONFIG`, else `./opsbot.yaml` if it exists,
 * else the bundled local config. An explicitly named file that is missing is an error.
 */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { file: string; bundled: boolean } {
  const explicit = flag ?? env.OPSBOT_CONFIG;
  if (explicit) return { file: resolve(explicit), bundled: false };
  const local = resolve('opsbot.yaml');
  if (existsSync(local)) return { file: local, bundled: false };
  return { file: BUNDLED_CONFIG, bundled: true };
}

export function loadConfig(file: string, bundled = false): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
    throw new ConfigError(file, [{ path: '', message: reason }]);
  }
  const config = parseConfig(text, file);
  const baseDir = bundled ? PROJECT_ROOT : dirname(file);
  // Files the config points at, once the file itself is valid.
  const keys = signatureKeyProblems(config, baseDir);
  if (keys.length > 0) throw new ConfigError(file, keys);
  return { config, file, baseDir, bundled };
}

/** Parse and validate config text; every problem is reported, each with its field path. */
export function parseConfig(text: string, file = 'opsbot.yaml'): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', message: `YAML syntax: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}` })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  // Every kind of problem in one round: secret-looking values, schema, undefined names.
  const result = configSchema.safeParse(raw, { reportInput: true });
  const problems = [...findSecrets(raw), ...(result.success ? [] : result.error.issues.map(issueToProblem)), ...checkReferences(raw)];
  const seen = new Set<string>();
  const unique = problems.filter((p) => !seen.has(`${p.path}\0${p.message}`) && seen.add(`${p.path}\0${p.message}`));
  if (!result.success || unique.length > 0) throw new ConfigError(file, unique);
  return result.data;
}

function issueToProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return { path, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  if (issue.code === 'invalid_type') {
    // A field's own message for a missing value says why it is required; zod's default does not.
    if (issue.input === undefined && !issue.message.startsWith('Invalid input')) return { path, message: issue.message };
    const got = issue.input === undefined ? 'nothing' : Array.isArray(issue.input) ? 'a list' : typeof issue.input;
    return { path, message: issue.input === undefined ? `is required (${issue.expected})` : `must be ${issue.expected}, got ${got}` };
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return { path, message: 'must be one of "kustomize", "helm-values", "manifest"' };
  }
  if (issue.code === 'invalid_key') {
    return { path, message: issue.issues[0]?.message ?? issue.message };
  }
  return { path, message: issue.message };
}
