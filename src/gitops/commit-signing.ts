import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { GitopsError } from './errors.js';

/**
 * Commits signed by git itself, as GitHub rulesets that require signed commits expect: the key
 * comes from the environment (never from opsbot.yaml), is written once into a private directory
 * (0700) and handed to git as configuration — `gpg.format`, `user.signingkey`, `commit.gpgsign` —
 * so `git commit` signs with `ssh-keygen -Y sign` (SSH) or `gpg` (OpenPGP). Passphrase-protected
 * keys cannot be used (no one is there to type the passphrase).
 */
export interface SigningKey {
  format: 'ssh' | 'openpgp';
  /** The private key, as `ssh-keygen` writes it or as `gpg --export-secret-keys --armor` does. */
  key: string;
}

export interface Signing {
  /** git configuration (through GIT_CONFIG_* variables, never written to a file). */
  config: Record<string, string>;
  /** GNUPGHOME for OpenPGP. */
  env: Record<string, string>;
  /** For logs: the SSH public key or the OpenPGP fingerprint. */
  identity: string;
}

export async function prepareSigning(key: SigningKey, dir: string): Promise<Signing> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return key.format === 'ssh' ? prepareSsh(key.key, dir) : prepareOpenPgp(key.key, dir);
}

async function prepareSsh(key: string, dir: string): Promise<Signing> {
  if (!/^-----BEGIN OPENSSH PRIVATE KEY-----/.test(key.trim())) {
    throw new GitopsError('E_SIGNING', 'gitops.signing: the SSH key must be a private key in OpenSSH format ("-----BEGIN OPENSSH PRIVATE KEY-----")');
  }
  const file = join(dir, 'ssh-signing-key');
  // Written aside and renamed: another process of the same home may be reading the same key file.
  const temp = `${file}.${process.pid}`;
  await writeFile(temp, `${key.trim()}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  // -y derives the public key: it fails on a broken key and on one that needs a passphrase (-P '' given).
  const pub = await execa('ssh-keygen', ['-y', '-P', '', '-f', file], { reject: false, stdin: 'ignore' });
  if (pub.exitCode !== 0) throw new GitopsError('E_SIGNING', 'gitops.signing: ssh-keygen cannot read the SSH key (broken, or protected by a passphrase)');
  return { config: { 'gpg.format': 'ssh', 'user.signingkey': file, 'commit.gpgsign': 'true' }, env: {}, identity: String(pub.stdout).trim() };
}

async function prepareOpenPgp(key: string, dir: string): Promise<Signing> {
  if (!/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(key)) {
    throw new GitopsError('E_SIGNING', 'gitops.signing: the OpenPGP key must be an armored secret key ("-----BEGIN PGP PRIVATE KEY BLOCK-----")');
  }
  const home = join(dir, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  const env = { GNUPGHOME: home };
  const imported = await execa('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--import'], { env, input: key, reject: false });
  if (imported.exitCode !== 0) throw new GitopsError('E_SIGNING', 'gitops.signing: gpg cannot import the OpenPGP key');
  const listed = await execa('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env, reject: false, stdin: 'ignore' });
  const fpr = /^fpr:+([0-9A-F]{40,64}):/m.exec(String(listed.stdout))?.[1];
  if (!fpr) throw new GitopsError('E_SIGNING', 'gitops.signing: the OpenPGP key holds no secret key');
  return { config: { 'gpg.format': 'openpgp', 'user.signingkey': fpr, 'commit.gpgsign': 'true' }, env, identity: fpr };
}
