/**
 * `gitops.signing`: every commit opsbot makes is signed by git itself, with an SSH or OpenPGP key
 * from the environment, and `git verify-commit` accepts it — against an allowed-signers file for
 * SSH, against a keyring holding only the public key for OpenPGP. Driven from the outside
 * (`opsbot console --exec`), checked in the bare repository.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

const FILES = { 'apps/web/kustomization.yaml': 'images:\n  - name: ghcr.io/example/web\n    newTag: "1.0.0"\n' };
const CONFIG = (url: string, format: string) => `gitops:
  url: ${url}
  author: { name: opsbot, email: opsbot@example.org }
  signing: { format: ${format} }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      prod: { kind: kustomize, path: apps/web/kustomization.yaml }
access:
  rules:
    - subjects: ["console:alice"]
      actions: [deploy, rollback]
`;

async function sshKey(dir: string, name: string): Promise<{ private: string; public: string }> {
  const file = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file], { stdin: 'ignore' });
  return { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8').trim() };
}

describe('gitops.signing: commits signed by git, checked with git verify-commit', () => {
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = tempDir('opsbot-signing-');
  });
  afterAll(async () => {
    // gpg starts an agent per GNUPGHOME that outlives the command: stop the ones this suite caused.
    const homes = [join(dir, 'gnupg-maker'), join(dir, 'gnupg-checker'), ...agentHomes];
    await Promise.all(homes.map((h) => execa('gpgconf', ['--kill', 'gpg-agent'], { env: { GNUPGHOME: h }, reject: false, stdin: 'ignore' })));
    rmSync(dir, { recursive: true, force: true });
    await Promise.all(repos.map((r) => r.cleanup()));
    await redis.close();
  });
  const agentHomes: string[] = [];
  const repos: BareRepo[] = [];

  async function deployTwice(format: string, key: string): Promise<{ repo: BareRepo; res: Awaited<ReturnType<typeof runOpsbot>>[] }> {
    const repo = await createBareRepo(FILES);
    repos.push(repo);
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig(CONFIG(repo.bare, format)), OPSBOT_HOME: join(repo.root, 'home'), OPSBOT_SIGNING_PRIVATE_KEY: key });
    const res = [];
    for (const line of ['/deploy web 1.1.0', '/rollback web']) res.push(await runOpsbot(['console', '--as', 'alice', '--exec', line], { env, timeoutMs: 60_000 }));
    const signing = join(repo.root, 'home', 'signing');
    for (const d of readdirSync(signing)) agentHomes.push(join(signing, d, 'gnupg'));
    return { repo, res };
  }

  it('SSH: every commit verifies against an allowed-signers file, and not against another key', async () => {
    const key = await sshKey(dir, 'opsbot');
    const other = await sshKey(dir, 'someone-else');
    const { repo, res } = await deployTwice('ssh', key.private);
    for (const r of res) expect(r.code, r.stdout + r.stderr).toBe(0);
    const allowed = join(dir, 'allowed_signers');
    writeFileSync(allowed, `opsbot@example.org ${key.public}\n`);
    const wrong = join(dir, 'wrong_signers');
    writeFileSync(wrong, `opsbot@example.org ${other.public}\n`);
    const shas = (await git(repo.bare, 'rev-list', 'main~2..main')).split('\n');
    expect(shas).toHaveLength(2);
    for (const sha of shas) {
      const ok = await execa('git', ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', '--raw', sha], { cwd: repo.bare, reject: false });
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(ok.stderr).toContain('Good "git" signature for opsbot@example.org with ED25519 key');
      const bad = await execa('git', ['-c', `gpg.ssh.allowedSignersFile=${wrong}`, 'verify-commit', sha], { cwd: repo.bare, reject: false });
      expect(bad.exitCode).not.toBe(0);
    }
    // The seed commit was made by the test, unsigned: verify-commit says so (the check can fail).
    const seed = await execa('git', ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'main~2'], { cwd: repo.bare, reject: false });
    expect(seed.exitCode).not.toBe(0);
  });

  it('OpenPGP: every commit verifies with a keyring that holds only the public key', async () => {
    const gnupg = join(dir, 'gnupg-maker');
    await execa('mkdir', ['-m', '700', '-p', gnupg]);
    const gpg = (args: string[]) => execa('gpg', ['--batch', ...args], { env: { GNUPGHOME: gnupg }, stdin: 'ignore' });
    await gpg(['--passphrase', '', '--quick-gen-key', 'opsbot <opsbot@example.org>', 'ed25519', 'sign', '1d']);
    const secret = (await gpg(['--armor', '--export-secret-keys'])).stdout;
    const pub = (await gpg(['--armor', '--export'])).stdout;
    const { repo, res } = await deployTwice('openpgp', secret);
    for (const r of res) expect(r.code, r.stdout + r.stderr).toBe(0);
    const checker = join(dir, 'gnupg-checker');
    await execa('mkdir', ['-m', '700', '-p', checker]);
    await execa('gpg', ['--batch', '--import'], { env: { GNUPGHOME: checker }, input: pub });
    for (const sha of (await git(repo.bare, 'rev-list', 'main~2..main')).split('\n')) {
      const ok = await execa('git', ['verify-commit', sha], { cwd: repo.bare, env: { GNUPGHOME: checker }, reject: false });
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(ok.stderr).toContain('Good signature from "opsbot <opsbot@example.org>"');
    }
  });

  it('a key that is not a private key: the deploy fails saying so, nothing committed, the key never printed', async () => {
    const repo = await createBareRepo(FILES);
    repos.push(repo);
    const before = await git(repo.bare, 'rev-parse', 'main');
    const env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: writeConfig(CONFIG(repo.bare, 'ssh')), OPSBOT_HOME: join(repo.root, 'home'), OPSBOT_SIGNING_PRIVATE_KEY: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJust-a-public-key' });
    const res = await runOpsbot(['console', '--as', 'alice', '--exec', '/deploy web 1.1.0'], { env, timeoutMs: 60_000 });
    expect(res.code).not.toBe(0);
    expect(res.stdout + res.stderr).toContain('the SSH key must be a private key in OpenSSH format');
    expect(res.stdout + res.stderr).not.toContain('Just-a-public-key');
    expect(await git(repo.bare, 'rev-parse', 'main')).toBe(before);
  });
});
