import type { AppConfig, Config, GitopsConfig, TagLocation } from '../core/config/schema.js';
import { isOpsbotError, OpsbotError } from '../core/errors.js';
import type { Message, Progress } from '../core/message.js';
import { currentTag } from '../gitops/editors/tag-location.js';
import type { ArgoCd, GitopsRepo } from './seams.js';

/** One app environment, as a deploy or an approved pull request changes it. */
export interface DeployedFile {
  app: string;
  env: string;
  /** Known for a tag change: where the tag is, so that a newer tag in the same file supersedes. */
  appConfig?: AppConfig;
  location: TagLocation;
  gitops: GitopsConfig;
}

/**
 * Follows a commit on the branch Argo CD syncs — a deploy's own, or the merge commit of an
 * approved pull request — until Argo CD reports a revision containing it synced and healthy.
 * Whether a revision contains it, or changed the same file again since (a newer deploy, which
 * supersedes this one), is asked of the GitOps clone. A failure keeps `committed` (what was
 * pushed) in its text: the commit is on the branch either way.
 */
export async function followCommit(
  deps: { config: Config; repo: Pick<GitopsRepo, 'relate'>; argocd: ArgoCd },
  t: DeployedFile,
  commit: { sha: string; title: string; fields: Message['fields'] },
  progress: Progress,
  signal: AbortSignal,
): Promise<Message> {
  const appConfig = t.appConfig;
  // Without a tag (a /config change), no later commit supersedes it: one containing it is enough.
  const readTag = appConfig ? (text: string) => currentTag(text, appConfig, t.location) : () => '';
  try {
    const followed = await deps.argocd.followDeploy({
      application: t.location.application ?? `${t.app}-${t.env}`,
      podNamespace: t.location.namespace,
      podSelector: t.location.podSelector,
      revision: commit.sha,
      lineage: { relate: (revision) => deps.repo.relate({ commit: commit.sha, revision, file: t.location.path, readTag }) },
      timeoutMs: deps.config.argocd.followTimeout,
      repoWebUrl: t.gitops.webUrl,
      progress,
      signal,
    });
    return {
      ...followed,
      title: followed.status === 'warning' ? `${commit.title}: superseded` : commit.title,
      fields: [...(commit.fields ?? []), ...(followed.fields ?? [])],
    };
  } catch (err) {
    if (signal.aborted || !isOpsbotError(err)) throw err;
    throw new OpsbotError(err.code, `${commit.title} — committed ${commit.sha.slice(0, 12)}, but Argo CD did not get there: ${err.userMessage}`, {
      cause: err,
    });
  }
}
