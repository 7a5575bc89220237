import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { PROJECT_ROOT, type LoadedConfig } from '../core/config/load.js';
import { OpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { prepareSigning } from '../gitops/commit-signing.js';
import { GitopsRepository } from '../gitops/gitops-repository.js';
import { RepoWriter } from '../gitops/repo-writer.js';
import { seedExampleRepo } from '../gitops/seed.js';
import type { GitopsRepo } from '../jobs/seams.js';

/**
 * The process's GitOps repository: one RepoWriter (one reused clone), its lease and batcher.
 * The embedded default keeps its GitOps remote under OPSBOT_HOME, seeded once from the example
 * content in gitops/. Without `gitops` in the config every use says so.
 */
/** The remote git is given: the embedded default's under OPSBOT_HOME, a path relative to the config file made absolute. */
export function gitopsRemoteUrl(loaded: LoadedConfig, home: string): string | undefined {
  const url = loaded.config.gitops?.url;
  if (url === undefined) return undefined;
  if (loaded.bundled) return join(home, 'gitops.git');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url) && !isAbsolute(url)) return resolve(loaded.baseDir, url);
  return url;
}

export async function gitopsRepository(opts: {
  loaded: LoadedConfig;
  home: string;
  env: NodeJS.ProcessEnv;
  redis: Redis;
  seed: boolean;
  log: Logger;
}): Promise<GitopsRepo> {
  const { config, bundled } = opts.loaded;
  const gitops = config.gitops;
  if (!gitops) return unconfigured;
  const url = gitopsRemoteUrl(opts.loaded, opts.home) ?? gitops.url;
  if (bundled && opts.seed && (await seedExampleRepo(url, join(PROJECT_ROOT, 'gitops'), gitops.branch)) === 'created') {
    opts.log.info({ url }, 'seeded the example GitOps repository');
  }
  const signing = gitops.signing
    ? await prepareSigning(
        { format: gitops.signing.format, key: opts.env[gitops.signing.keyEnv] ?? '' },
        join(
          opts.home,
          'signing',
          createHash('sha256')
            .update(opts.env[gitops.signing.keyEnv] ?? '')
            .digest('hex')
            .slice(0, 16),
        ),
      )
    : undefined;
  if (signing) opts.log.info({ identity: signing.identity }, 'commits are signed');
  const writer = new RepoWriter({
    url,
    branch: gitops.branch,
    author: gitops.author,
    pushRetries: gitops.pushRetries,
    cacheDir: join(opts.home, 'git'),
    token: opts.env.GITOPS_TOKEN ?? opts.env.GITHUB_TOKEN,
    ...(signing ? { signing } : {}),
  });
  return new GitopsRepository(writer, { redis: opts.redis, url: gitops.url });
}

const missing = (): never => {
  throw new OpsbotError('E_NO_GITOPS', 'No GitOps repository is configured (gitops.url in opsbot.yaml).');
};

const unconfigured: GitopsRepo = {
  commit: async () => missing(),
  pushForReview: async () => missing(),
  deleteBranch: async () => missing(),
  readFile: async () => missing(),
  manifestFiles: async () => missing(),
  history: async () => missing(),
  rollbackTarget: async () => missing(),
  relate: async () => missing(),
};
