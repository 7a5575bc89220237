import type { Config } from '../../core/config/schema.js';
import { OpsbotError } from '../../core/errors.js';
import { historyTable } from '../../gitops/history-table.js';
import { tagReaderOf } from '../deploy-target.js';
import type { JobKind } from '../kind.js';
import type { GitopsRepo } from '../seams.js';
import { ownEntry } from '../../core/config/own-entry.js';

export interface HistoryPayload {
  app: string;
  env: string;
  n: number;
}

/** `/history`: the last deploys of one app environment, read from the tag file's git history. */
export function historyJob(deps: { config: Config; repo: Pick<GitopsRepo, 'history'> }): JobKind<HistoryPayload> {
  return {
    name: 'history',
    idempotent: true,
    attempts: 2,
    async run({ job }) {
      const { app, env, n } = job.payload;
      const appConfig = ownEntry(deps.config.apps, app);
      const location = appConfig && ownEntry(appConfig.environments, env);
      if (!appConfig || !location) throw new OpsbotError('E_UNKNOWN_APP', `${app}@${env} is no longer in the configuration.`);
      const records = await deps.repo.history(location.path, n, tagReaderOf({ app, appConfig, location }));
      if (records.length === 0) return { title: `History of ${app} in ${env}`, text: `No deploys of ${appConfig.image} found in ${location.path}.` };
      return { title: `History of ${app} in ${env} (last ${records.length})`, code: historyTable(records) };
    },
  };
}
