import type { Config } from '../../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../../core/errors.js';
import type { JobKind } from '../kind.js';
import type { ArgoCd } from '../seams.js';
import { ownEntry } from '../../core/config/own-entry.js';

export interface StatusPayload {
  app: string;
  env: string;
}

/** `/status`: Argo CD's view of one app environment and its pods, read from the cluster. */
export function statusJob(deps: { config: Config; argocd: Pick<ArgoCd, 'status'> }): JobKind<StatusPayload> {
  return {
    name: 'status',
    idempotent: true,
    attempts: 2,
    // Nothing to look at is an answer to "what is its status?", not a failure of the job.
    answers: { E_NO_CLUSTER: 'answered', E_ARGOCD_APP_MISSING: 'answered', E_ARGOCD_NOT_INSTALLED: 'answered', E_UNKNOWN_APP: 'answered' },
    async run({ job, log }) {
      const { app, env } = job.payload;
      const appConfig = ownEntry(deps.config.apps, app);
      const location = appConfig && ownEntry(appConfig.environments, env);
      if (!location) throw new OpsbotError('E_UNKNOWN_APP', `${app}@${env} is no longer in the configuration.`);
      return deps.argocd
        .status(
          { application: location.application ?? `${app}-${env}`, podNamespace: location.namespace, podSelector: location.podSelector },
          { env, repoWebUrl: deps.config.gitops?.webUrl, onPodsError: (err) => log.warn({ err: (err as Error).message }, 'pods not readable') },
        )
        .catch((err: unknown) => {
          // "Argo CD is not installed in namespace argocd" says more with the command it answers.
          if (isOpsbotError(err) && err.code === 'E_ARGOCD_NOT_INSTALLED')
            throw new OpsbotError(err.code, `/status: ${err.userMessage}`, { cause: err });
          throw err;
        });
    },
  };
}
