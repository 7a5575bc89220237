import type { Config } from '../../core/config/schema.js';
import { textTable } from '../../core/text-table.js';
import { looksSecret } from '../../gitops/config-keys.js';
import { listConfig } from '../../gitops/config-file.js';
import type { ConfigEntry } from '../../gitops/editors/config-place.js';
import { GitopsError } from '../../gitops/errors.js';
import type { JobKind } from '../kind.js';
import type { GitopsRepo } from '../seams.js';
import { configTarget } from './config-target.js';

export interface ConfigListPayload {
  app: string;
  env: string;
}

const HIDDEN = '•••••• (looks like a secret: not shown)';

/** What chat may see of a value: never a value from a Secret, never the value of a key that looks like one. */
export function shownValue(e: ConfigEntry): string {
  if (e.secret) return '← a Secret (not shown)';
  if (looksSecret(e.key)) return HIDDEN;
  if (e.from !== undefined) return `← ${e.from}`;
  return e.value === null ? '(not a single value)' : e.value === '' ? '""' : e.value;
}

/** `/config <app> [env]`: the keys and values the GitOps repository holds for the environment, read at the branch head. */
export function configListJob(deps: { config: Config; repo: Pick<GitopsRepo, 'readFile'> }): JobKind<ConfigListPayload> {
  return {
    name: 'config-list',
    idempotent: true,
    attempts: 2,
    answers: { E_NO_CONFIG: 'answered' },
    async run({ job }) {
      const t = configTarget(deps.config, job.payload.app, job.payload.env);
      const text = await deps.repo.readFile(t.config.path);
      if (text === null)
        throw new GitopsError('E_FILE_MISSING', `${t.config.path}: not in the GitOps repository (check "path" under config)`, t.config.path);
      const { entries, notes } = listConfig(text, t.config);
      const where =
        t.config.kind === 'env'
          ? `env of container ${t.config.container}`
          : t.config.kind === 'helm-values'
            ? `values under ${t.config.prefix}`
            : t.config.kind === 'configmap'
              ? 'ConfigMap data'
              : 'configMapGenerator literals';
      return {
        title: `Configuration of ${t.app} in ${t.env} (${entries.length} key${entries.length === 1 ? '' : 's'})`,
        fields: [{ label: 'File', value: `${t.config.path} (${where})` }],
        ...(entries.length
          ? {
              code: textTable(
                ['key', 'value'],
                entries.map((e) => [e.key, shownValue(e)]),
              ),
            }
          : { text: 'No keys yet.' }),
        ...(notes.length ? { context: notes.join('\n') } : {}),
      };
    },
  };
}
