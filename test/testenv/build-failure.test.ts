/**
 * `up` failing: a Go build that fails (a tofu release the module proxy does not serve), and a
 * server that fails to start. Either way: a non-zero exit naming the part (and the command),
 * nothing left running, nothing half-built in the cache. Private state and cache directories,
 * so the shared environment is not touched.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testenv, titled } from '../support/testenv.js';
import { processesMentioning, runTestenv, scriptEnv } from './helpers.js';

// Needs what `npm run testenv` needs (go, the module proxy): skipped with the reason otherwise.
const env = testenv();

const script = scriptEnv(env);

describe.skipIf(!script.available)(titled('testenv up: a Go build that fails', script), () => {
  const root = mkdtempSync(join(tmpdir(), 'opsbot-testenv-badbuild-'));
  const dir = join(root, 'state');
  const cache = join(root, 'cache');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exits non-zero naming tofu and the go command; the builds running beside it are cancelled; no process, no binary left', async () => {
    const r = await runTestenv(['up'], { OPSBOT_TESTENV_DIR: dir, OPSBOT_CACHE: cache, OPSBOT_TESTENV_TOFU_VERSION: 'v0.0.0-nonexistent' }, 300_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed in part [tofu]');
    expect(r.stderr).toContain('`go get -tool github.com/opentofu/opentofu/cmd/tofu@v0.0.0-nonexistent`');
    // The step log says which step failed, too.
    expect(r.all).toMatch(/✗ tofu v0\.0\.0-nonexistent — FAILED/);
    // The other build chains had started (into this empty cache) and were stopped.
    expect(r.all).toMatch(/✗ (kube-apiserver|argocd) v[\d.]+ — cancelled/);
    // No `go build` left writing into this cache, nor any server.
    expect(processesMentioning(root)).toEqual([]);
    expect(existsSync(join(cache, 'bin')) ? readdirSync(join(cache, 'bin')) : []).toEqual([]);
    const state = existsSync(join(dir, 'state.json'))
      ? (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { procs: object })
      : { procs: {} };
    expect(state.procs).toEqual({});
    expect(existsSync(join(dir, 'env'))).toBe(false);
  });

  it('a part that fails to start: exits non-zero naming it, and stops what this run had started', async () => {
    const startDir = join(root, 'start-failure');
    const r = await runTestenv(['up'], { OPSBOT_TESTENV_DIR: startDir, OPSBOT_TESTENV_APISERVER_ARGS: '--no-such-flag=1' }, 120_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed in part [kube-apiserver] exited');
    expect(r.stderr).toContain('unknown flag: --no-such-flag');
    // redis and etcd came up before the apiserver failed: they were stopped again.
    expect(r.stdout).toMatch(/stopping etcd \(pid \d+\) started by this failed run/);
    expect(r.stdout).toMatch(/stopping redis \(pid \d+\) started by this failed run/);
    expect(processesMentioning(startDir)).toEqual([]);
    expect(existsSync(join(startDir, 'env'))).toBe(false);
  }, 120_000);

  it('a part of the GitOps loop that fails to start: named, and every part this run had started is stopped', async () => {
    const startDir = join(root, 'controller-failure');
    const r = await runTestenv(
      ['up'],
      { OPSBOT_TESTENV_DIR: startDir, OPSBOT_TESTENV_ARGOCD_APPLICATION_CONTROLLER_ARGS: '--no-such-flag=1' },
      300_000,
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('failed in part [argocd-application-controller] exited');
    expect(r.stderr).toContain('unknown flag: --no-such-flag');
    for (const part of [
      'argocd-repo-server',
      'argocd-redis',
      'kwok',
      'kube-scheduler',
      'kube-controller-manager',
      'kube-apiserver',
      'etcd',
      'redis',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`stopping ${part} \\(pid \\d+\\) started by this failed run`));
    }
    expect(processesMentioning(startDir)).toEqual([]);
    expect(existsSync(join(startDir, 'env'))).toBe(false);
  }, 300_000);

  it('down is safe when nothing runs', async () => {
    const r = await runTestenv(['down'], { OPSBOT_TESTENV_DIR: dir, OPSBOT_CACHE: cache });
    expect(r.exitCode).toBe(0);
    const none = await runTestenv(['down'], { OPSBOT_TESTENV_DIR: join(root, 'never-created'), OPSBOT_CACHE: cache });
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain('nothing to stop');
  });
});
