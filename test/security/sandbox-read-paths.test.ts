import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { TOFU, haveTofu, infraConfig, SKIP_REASON, stackRepo } from '../terraform/stacks.js';
import { SANDBOX_SKIP, SUITE_TIMEOUT, sandbox } from './leaks.js';

/** A credential file a backend would read (a kubeconfig, a client certificate), outside every work dir. */
const creds = tempDir('opsbot-creds-');
const TOKEN_FILE = join(creds, 'backend.token');
writeFileSync(TOKEN_FILE, 'token-from-a-credential-file\n');
const READS_CRED = `resource "terraform_data" "cred" {\n  input = sha256(file("${TOKEN_FILE}"))\n}\n`;

/**
 * `stacks.<name>.sandbox.readOnlyPaths`, with the real CLI, Redis, bubblewrap and OpenTofu: the
 * stack's code reads a bound credential file; without the setting the same file is not there.
 */
describe.skipIf(!haveTofu || !sandbox.ok)(
  `read-only paths in the Terraform sandbox${haveTofu ? SANDBOX_SKIP : ` — skipped: ${SKIP_REASON}`}`,
  { timeout: SUITE_TIMEOUT },
  () => {
    let redis: TestRedis;
    const home = tempDir('opsbot-home-');
    const repo = stackRepo({ example: false, files: { 'cred.tf': READS_CRED } });
    const gone = tempDir('opsbot-gone-');
    const config = infraConfig({
      bound: { repo, dir: 'infra', sandbox: { readOnlyPaths: [creds] } },
      unbound: { repo, dir: 'infra' },
      vanished: { repo, dir: 'infra', sandbox: { readOnlyPaths: [gone] } },
    });

    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.close();
    });

    const env = () => baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: TOFU, OPSBOT_HOME: home });
    const plan = (stack: string) => runOpsbot(['console', '--as', 'alice', '--exec', `/infra plan ${stack}`], { env: env(), timeoutMs: 120_000 });

    it('a stack whose code reads a file under its read-only path plans; without the setting the file is absent in the sandbox', async () => {
      const bound = await plan('bound');
      expect(bound.code, bound.stdout + bound.stderr).toBe(0);
      expect(bound.stdout).toContain('1 to add, 0 to change, 0 to replace, 0 to destroy');
      expect(bound.stdout).toContain('terraform_data.cred');

      const unbound = await plan('unbound');
      expect(unbound.code, unbound.stdout).toBe(1);
      expect(unbound.stdout).toContain(`no file exists at "${TOKEN_FILE}"`);
      expect(unbound.stdout).not.toContain('[Approve: infra apply');
    });

    it('a path gone since start is refused before anything runs, naming it', async () => {
      rmSync(gone, { recursive: true });
      const res = await plan('vanished');
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(
        `Stack vanished cannot run here: stacks.vanished.sandbox.readOnlyPaths.0: ${gone} does not exist on this machine. Nothing was run.`,
      );
      expect(res.stdout).not.toContain('Initialising stack vanished');
    });
  },
);

describe('check-config refuses read-only paths that are malformed, missing, or expose opsbot', () => {
  const home = tempDir('opsbot-home-');
  const inHome = join(home, 'plans');
  mkdirSync(inHome);
  const check = (stacks: Record<string, Record<string, unknown>>) =>
    runOpsbot(['check-config', '--config', infraConfig(stacks)], { env: baseEnv({ OPSBOT_HOME: home, HOME: tempDir('opsbot-user-') }) });

  it('the text: relative, "..", a whole tree, /proc', async () => {
    const res = await check({
      core: { dir: 'infra', sandbox: { readOnlyPaths: ['kube/config', '/etc/kube/../shadow', '/etc', '/proc/self/environ'] } },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('stacks.core.sandbox.readOnlyPaths.0: must be an absolute path (got "kube/config")');
    expect(res.stderr).toContain('stacks.core.sandbox.readOnlyPaths.1: must not contain ".." (got "/etc/kube/../shadow")');
    expect(res.stderr).toContain(
      'stacks.core.sandbox.readOnlyPaths.2: /etc is a whole top-level directory: name the files or directory the credentials are in',
    );
    expect(res.stderr).toContain('stacks.core.sandbox.readOnlyPaths.3: /proc/self/environ is under /proc, which never goes into the sandbox');
    expect(res.stdout).toBe('');
  });

  it('the machine: a path that does not exist, and one inside OPSBOT_HOME', async () => {
    const missing = join(creds, 'no-such-kubeconfig');
    const res = await check({ core: { dir: 'infra', sandbox: { readOnlyPaths: [creds, missing, inHome] } } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`stacks.core.sandbox.readOnlyPaths.1: ${missing} does not exist on this machine`);
    expect(res.stderr).toContain(
      `stacks.core.sandbox.readOnlyPaths.2: ${inHome} is inside OPSBOT_HOME (${home}), opsbot's own data (its Redis, saved plans)`,
    );
    expect(res.stderr).not.toContain('readOnlyPaths.0');
    expect(res.stdout).toBe('');
    const fine = await check({ core: { dir: 'infra', sandbox: { readOnlyPaths: [creds] } } });
    expect(fine.code, fine.stderr).toBe(0);
  });
});
