import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * `crane` against the test environment's registry, logged in the way Docker is
 * (`crane auth login` writes `$DOCKER_CONFIG/config.json`), trusting the environment's CA through
 * SSL_CERT_FILE. The same DOCKER_CONFIG is what opsbot is given, so both find the same credentials.
 */
export interface Crane {
  /** The DOCKER_CONFIG directory holding the login. */
  dockerConfig: string;
  registry: string;
  /** Pushes a one-layer image of random bytes as `<registry>/<repo>:<tag>`; returns its digest. */
  pushRandom(repo: string, tag: string): Promise<string>;
  /** `crane tag`: `<repo>@<digest>` gets `tag` too (a tag that appears only once the image is ready, e.g. signed). */
  tag(repo: string, digest: string, tag: string): Promise<void>;
  /** `crane digest`: what the registry says the tag is. */
  digest(repo: string, tag: string): Promise<string>;
  /** An index of the given digests (as a multi-platform image is) tagged `tag`; returns the index digest. */
  index(repo: string, tag: string, digests: string[]): Promise<string>;
  cleanup(): void;
}

export async function craneFor(reg: Record<string, string>): Promise<Crane> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-crane-'));
  const dockerConfig = join(dir, 'docker');
  const env = { DOCKER_CONFIG: dockerConfig, SSL_CERT_FILE: reg.REGISTRY_CA ?? '' };
  const run = async (args: string[], input?: string) =>
    (await execa(reg.CRANE ?? 'crane', args, { env, ...(input !== undefined ? { input } : { stdin: 'ignore' }) })).stdout.trim();
  await run(['auth', 'login', reg.REGISTRY_URL ?? '', '-u', reg.REGISTRY_USER ?? '', '--password-stdin'], reg.REGISTRY_PASSWORD ?? '');
  const registry = reg.REGISTRY_URL ?? '';
  return {
    dockerConfig,
    registry,
    async pushRandom(repo, tag) {
      const work = mkdtempSync(join(dir, 'layer-'));
      mkdirSync(join(work, 'c'));
      writeFileSync(join(work, 'c', 'random.bin'), randomBytes(1024));
      await execa('tar', ['-cf', join(work, 'layer.tar'), '-C', join(work, 'c'), 'random.bin']);
      const pushed = await run(['append', '-f', join(work, 'layer.tar'), '-t', `${registry}/${repo}:${tag}`]);
      return pushed.split('@')[1] ?? '';
    },
    async tag(repo, digest, tag) {
      await run(['tag', `${registry}/${repo}@${digest}`, tag]);
    },
    digest: (repo, tag) => run(['digest', `${registry}/${repo}:${tag}`]),
    async index(repo, tag, digests) {
      const pushed = await run([
        'index',
        'append',
        ...digests.flatMap((d) => ['-m', `${registry}/${repo}@${d}`]),
        '-t',
        `${registry}/${repo}:${tag}`,
      ]);
      return pushed.split('@')[1] ?? '';
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
