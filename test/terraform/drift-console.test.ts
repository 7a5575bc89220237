import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { TOFU, haveTofu, infraConfig, SKIP_REASON, stackRepo } from './stacks.js';

/** A drift report routed to `console` is shown in the console, like Argo CD notifications. */
describe.skipIf(!haveTofu)(`drift reports in the console${haveTofu ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  const procs: OpsbotProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });

  it('a stack that drifts (never applied) is reported in an open console, with its Plan button', async () => {
    // Every minute, the finest a five-field cron goes: the report comes at the next minute.
    const config = infraConfig(
      { drifty: { repo: stackRepo(), dir: 'infra', driftCheck: '* * * * *' } },
      { notifications: { routes: [{ triggers: ['on-sync-failed'], to: ['console'] }] } },
    );
    const env = baseEnv({ OPSBOT_CONFIG: config, OPSBOT_HOME: tempDir('opsbot-home-'), TF_BINARY: TOFU });
    const console1 = new OpsbotProcess(['console', '--as', 'alice'], { env });
    procs.push(console1);
    await console1.waitFor(/you are console:alice/, { timeoutMs: 60_000 });
    await console1.waitFor(/\[drift\] ⚠ Drift on stack drifty: the infrastructure does not match its code/, { timeoutMs: 150_000 });
    await console1.waitFor(/\[Plan: infra plan drifty\]/);
    expect(console1.stdout).toContain('scheduled drift check (* * * * *)');
    console1.child.stdin.end();
    expect(await console1.exited).toBe(0);
  }, 200_000);
});
