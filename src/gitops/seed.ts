import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'opsbot',
  GIT_AUTHOR_EMAIL: 'opsbot@localhost',
  GIT_COMMITTER_NAME: 'opsbot',
  GIT_COMMITTER_EMAIL: 'opsbot@localhost',
};

/**
 * The embedded default's GitOps remote: a bare repository seeded once from the example content
 * under `gitops/`, so `/deploy` works on a fresh clone. Later runs reuse it (deploys pile up in
 * its history, as in a real repository).
 */
export async function seedExampleRepo(bareDir: string, sourceDir: string, branch = 'main'): Promise<'created' | 'reused'> {
  if (existsSync(join(bareDir, 'HEAD'))) return 'reused';
  await mkdir(bareDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'opsbot-seed-'));
  const git = (args: string[], cwd: string) => execa('git', args, { cwd, env: GIT_ENV, extendEnv: true });
  try {
    await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir], work);
    await git(['init', '--quiet', `--initial-branch=${branch}`, work], work);
    await git(['--work-tree', sourceDir, 'add', '--all', '.'], work);
    await git(['commit', '--quiet', '-m', 'Example GitOps repository for opsbot\n\nSeeded from gitops/ by the embedded default.'], work);
    await git(['push', '--quiet', bareDir, `HEAD:refs/heads/${branch}`], work);
    return 'created';
  } catch (err) {
    await rm(bareDir, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
