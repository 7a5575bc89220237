import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A real bare repository in a temp dir, seeded with files, plus a helper clone for acting as
 * "someone else" (a CI bot, a person) pushing to it. Git runs without the user's config.
 */
export const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'ci-bot',
  GIT_AUTHOR_EMAIL: 'ci@example.com',
  GIT_COMMITTER_NAME: 'ci-bot',
  GIT_COMMITTER_EMAIL: 'ci@example.com',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: GIT_ENV });
  return r.stdout;
}

export interface BareRepo {
  root: string;
  /** Path of the bare repository; usable as a remote URL. */
  bare: string;
  /** Commit files as someone else, on `branch` (default main). Returns the new sha. */
  commitAsOther(files: Record<string, string>, message: string, branch?: string): Promise<string>;
  /** The content of a file on a branch of the bare repository. */
  show(file: string, branch?: string): Promise<string>;
  log(branch?: string, file?: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createBareRepo(files: Record<string, string>): Promise<BareRepo> {
  const root = await mkdtemp(path.join(tmpdir(), 'opsbot-gitops-'));
  const bare = path.join(root, 'gitops.git');
  const other = path.join(root, 'other');
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  await git(root, 'init', '--quiet', '--initial-branch=main', other);
  await git(other, 'remote', 'add', 'origin', bare);
  const write = async (fs: Record<string, string>) => {
    for (const [file, text] of Object.entries(fs)) {
      await mkdir(path.dirname(path.join(other, file)), { recursive: true });
      await writeFile(path.join(other, file), text);
    }
  };
  await write(files);
  await git(other, 'add', '--all');
  await git(other, 'commit', '--quiet', '-m', 'initial manifests');
  await git(other, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');

  return {
    root,
    bare,
    async commitAsOther(fs, message, branch = 'main') {
      await git(other, 'fetch', '--quiet', 'origin', branch);
      await git(other, 'checkout', '--quiet', '--force', '-B', branch, 'FETCH_HEAD');
      await write(fs);
      await git(other, 'add', '--all');
      await git(other, 'commit', '--quiet', '-m', message);
      await git(other, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
      return git(other, 'rev-parse', 'HEAD');
    },
    show: async (file, branch = 'main') => (await execa('git', ['show', `${branch}:${file}`], { cwd: bare, env: GIT_ENV, stripFinalNewline: false })).stdout,
    log: async (branch = 'main', file) => (await git(bare, 'log', '--format=%H %s', branch, ...(file ? ['--', file] : []))).split('\n').filter(Boolean),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** The example GitOps content of this repository (gitops/), as files for a fresh bare repository. */
export function exampleFiles(): Record<string, string> {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../gitops');
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}
