import { isAbsolute, join, resolve } from 'node:path';
import { PROJECT_ROOT, type LoadedConfig } from '../core/config/load.js';
import { OpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RepoWriter } from '../gitops/repo-writer.js';
import { seedExampleRepo } from '../gitops/seed.js';

/**
 * One RepoWriter (one reused clone) per process, created on first use. The embedded default
 * keeps its GitOps remote under OPSBOT_HOME, seeded once from the example content in gitops/.
 */
export async function gitopsWriter(opts: { loaded: LoadedConfig; home: string; env: NodeJS.ProcessEnv; seed: boolean; log: Logger }): Promise<() => RepoWriter> {
  const { config, bundled, baseDir } = opts.loaded;
  const gitops = config.gitops;
  if (!gitops) {
    return () => {
      throw new OpsbotError('E_NO_GITOPS', 'No GitOps repository is configured (gitops.url in opsbot.yaml).');
    };
  }
  let url = gitops.url;
  if (bundled) {
    url = join(opts.home, 'gitops.git');
    if (opts.seed && (await seedExampleRepo(url, join(PROJECT_ROOT, 'gitops'), gitops.branch)) === 'created') {
      opts.log.info({ url }, 'seeded the example GitOps repository');
    }
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url) && !isAbsolute(url)) {
    url = resolve(baseDir, url); // a path relative to the config file
  }
  let instance: RepoWriter | undefined;
  return () =>
    (instance ??= new RepoWriter({
      url,
      branch: gitops.branch,
      author: gitops.author,
      pushRetries: gitops.pushRetries,
      cacheDir: join(opts.home, 'git'),
      token: opts.env.GITOPS_TOKEN ?? opts.env.GITHUB_TOKEN,
    }));
}
