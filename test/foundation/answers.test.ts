import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { get } from '../support/http.js';
import { freePort } from '../support/ports.js';

/** A stack trace, as Node prints one or pino serialises one. */
const STACK = /\n\s+at .+:\d+:\d+|"stack":/;

/** Questions about something that is not there get an answer, never a failed job or a stack. */
describe('answers, not failures (embedded default, no cluster)', () => {
  const procs: OpsbotProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });

  it('/status without a cluster: one line, exit 0, counted as answered — not failed — in the metrics', async () => {
    const port = await freePort();
    const env = baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-'), PORT: String(port), LOG_LEVEL: 'info' });
    const start = new OpsbotProcess(['start', '--no-console'], { env });
    procs.push(start);
    await start.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 60_000 });

    const res = await runOpsbot(['console', '--exec', '/status web staging'], { env: { ...env, LOG_LEVEL: 'warn' } });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^… Queued as job \d+: status of web in staging\.$/),
      expect.stringMatching(
        /^\[job \d+\] ℹ opsbot is not connected to a Kubernetes cluster: set KUBECONFIG \(and argocd\.context\) or run it in the cluster$/,
      ),
    ]);
    expect(res.stderr).toBe('');
    expect(start.stderr).not.toMatch(STACK);

    const metrics = (await get(`http://127.0.0.1:${port}/metrics`)).text;
    expect(metrics).toMatch(/opsbot_jobs_total\{kind="status",state="answered"\} 1/);
    expect(metrics).toMatch(/^opsbot_jobs_total\{kind="status",state="failed"\} 0$/m);

    const jobs = await runOpsbot(['console', '--exec', '/jobs'], { env: { ...env, LOG_LEVEL: 'warn' } });
    expect(jobs.stdout).toMatch(/\b1\s+status\s+answered\s+web@staging\b/);
    expect(await start.stop()).toBe(0);
  });

  it('/status of an app that is not configured: one line with a suggestion, exit 0, nothing queued', async () => {
    const env = baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-') });
    const res = await runOpsbot(['console', '--exec', '/status wbe staging'], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe('ℹ Unknown app "wbe". Did you mean "web"? Known apps: web, api, worker.');
    expect(res.stderr).toBe('');
    const jobs = await runOpsbot(['console', '--exec', '/jobs'], { env });
    expect(jobs.stdout).toContain('No jobs yet.');
  });

  it('an unknown command suggests the one meant; a mistyped app for /deploy is refused (exit 2) with a suggestion', async () => {
    const env = baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-') });
    const cmd = await runOpsbot(['console', '--exec', '/stauts web staging'], { env });
    expect(cmd.code).toBe(2);
    expect(cmd.stdout).toContain('Unknown command /stauts. Did you mean /status? Type /help to see what you can ask.');
    const app = await runOpsbot(['console', '--exec', '/deploy wbe 1.2.3 stagign'], { env });
    expect(app.code).toBe(2);
    expect(app.stdout).toContain('Unknown app or group "wbe". Did you mean "web"?');
    const envName = await runOpsbot(['console', '--exec', '/deploy web 1.2.3 stagign'], { env });
    expect(envName.code).toBe(2);
    expect(envName.stdout).toContain('web has no environment "stagign". Did you mean "staging"?');
    const stack = await runOpsbot(['console', '--exec', '/infra plan locl'], { env });
    expect(stack.code).toBe(2);
    expect(stack.stdout).toContain('There is no stack "locl". Did you mean "local"?');
    for (const r of [cmd, app, envName, stack]) expect(r.stderr).toBe('');
  });
});
