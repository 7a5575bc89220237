import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';

/** The real OpenTofu of the test environment; the suites skip (with this reason) without it. */
export const TOFU = process.env.TF_BINARY || join(homedir(), '.cache', 'opsbot', 'bin', 'tofu-v1.12.6');
export const haveTofu = existsSync(TOFU);
export const SKIP_REASON = `no tofu binary at ${TOFU} (set TF_BINARY or run npm run testenv)`;
if (!haveTofu) console.warn(`terraform chat tests skipped: ${SKIP_REASON}`);

export const EXAMPLE = join(ROOT, 'terraform', 'examples', 'local');
export const SLOW_TF = `resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 30"
  }
}
`;
/** A resource a feature branch adds to a stack (the plans of pull requests and branches). */
export const FEATURE_TF = `resource "terraform_data" "feature" {\n  input = "v1"\n}\n`;
export const LOCAL_BACKEND = `terraform {\n  backend "local" {}\n}\n`;

/**
 * A repository with the stack in `infra/`: the example (unless `example: false`) plus extra
 * files; a git repository with one commit on `main` when `git`, a plain directory otherwise.
 */
export function stackRepo(opts: { git?: boolean; example?: boolean; files?: Record<string, string> } = {}): string {
  const repo = tempDir('opsbot-infra-repo-');
  const dir = join(repo, 'infra');
  mkdirSync(dir, { recursive: true });
  if (opts.example !== false) cpSync(join(EXAMPLE, 'main.tf'), join(dir, 'main.tf'));
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  if (opts.git) {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, stdio: 'pipe' }).toString().trim();
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, '.gitignore'), '*.tfstate\n*.tfstate.*\n.terraform/\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'infra');
  }
  return repo;
}

/** Commits `files` (in infra/) on `branch` of a stack repository, made from main; returns the new head. */
export function pushTo(repo: string, branch: string, files: Record<string, string>): string {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com', ...args], { cwd: repo, stdio: 'pipe' }).toString().trim();
  const exists = git('branch', '--list', branch) !== '';
  git('checkout', '-q', ...(exists ? [branch] : ['-b', branch]));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo, 'infra', name), text);
  git('add', '-A');
  git('commit', '-q', '-m', `change ${Object.keys(files).join(', ')}`);
  const head = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  return head;
}

export function headOf(repo: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();
}

/** The people of infraConfig who hold infra.approve: a stack without its own approver list has them all. */
export const APPROVERS = ['console:alice', 'console:bob', 'console:carol', 'console:dave', 'console:erin'];

/** Everyone named here may plan and approve (stack approver lists narrow it); root is admin. */
export function infraConfig(stacks: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): string {
  return writeConfig(
    stringify({
      stacks: Object.fromEntries(Object.entries(stacks).map(([name, stack]) => [name, { approvers: APPROVERS, ...stack }])),
      access: {
        rules: [
          { subjects: ['console:alice', 'console:bob', 'console:carol', 'console:dave', 'console:erin'], actions: ['infra.plan', 'infra.approve', 'jobs', 'cancel'] },
          { subjects: ['console:mallory'], actions: ['infra.plan', 'jobs'] },
          { subjects: ['console:root'], actions: ['admin'] },
        ],
      },
      ...extra,
    }),
  );
}

export const planIdOf = (stdout: string): string => {
  const m = /\[Approve: infra apply ([a-z2-7]{8})\]/.exec(stdout);
  if (!m) throw new Error(`no plan id in:\n${stdout}`);
  return m[1]!;
};

/** Runs tofu directly in a stack directory, behind opsbot's back (to make a plan stale). */
export function tofuBehindTheBack(dir: string, args: string[]): void {
  const rc = join(tempDir('opsbot-tofurc-'), 'tofurc');
  writeFileSync(rc, '');
  execFileSync(TOFU, args, { cwd: dir, stdio: 'pipe', env: { PATH: process.env.PATH, HOME: tempDir('opsbot-home-'), TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: '1' } });
}
