import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { PtyOpsbot } from '../support/pty.js';
import { slowGitPath } from '../support/slow-git.js';

const PROMPT = 'opsbot> ';

/** The console as a person uses it in a terminal: a real pseudo-terminal, the screen as shown. */
describe('opsbot console in a terminal', () => {
  const ptys: PtyOpsbot[] = [];
  const open = (extra: NodeJS.ProcessEnv = {}) => {
    const p = new PtyOpsbot(['console', '--as', 'alice'], baseEnv({ OPSBOT_HOME: tempDir('opsbot-home-'), ...extra }));
    ptys.push(p);
    return p;
  };
  afterAll(() => ptys.forEach((p) => p.kill()));

  it('Tab completes commands, apps and environments; Ctrl-C clears the line; output redraws the prompt with what was typed; Ctrl-C twice leaves', async () => {
    // git takes 3 s on the worker: the job's result arrives while the next command is being typed.
    const c = open({ PATH: slowGitPath(3) });
    await c.waitForCursorLine(PROMPT, 60_000);

    c.type('/dep\t');
    await c.waitForCursorLine(`${PROMPT}/deploy `);
    c.type('we\t');
    await c.waitForCursorLine(`${PROMPT}/deploy web `);
    c.type('1.2.3 st\t');
    await c.waitForCursorLine(`${PROMPT}/deploy web 1.2.3 staging `);
    c.type('\x03'); // Ctrl-C: the line is dropped, nothing is sent
    await c.waitForCursorLine(PROMPT);
    expect((await c.lines()).join('\n')).toContain(`${PROMPT}/deploy web 1.2.3 staging ^C`);

    c.type('/infra pl\t');
    await c.waitForCursorLine(`${PROMPT}/infra plan `);
    c.type('\t');
    await c.waitForCursorLine(`${PROMPT}/infra plan local `);
    c.type('\x03');
    await c.waitForCursorLine(PROMPT);

    c.type('/diagnose\r');
    await c.waitFor((s) => s.some((l) => l.includes('Checking Redis, git and Terraform')), 'the job to start', 60_000);
    c.type('/jo');
    const screen = await c.waitFor((s) => s.some((l) => l.includes('✔ Diagnosis')), 'the job result', 60_000);
    await c.waitForCursorLine(`${PROMPT}/jo`); // redrawn below the result, with what was typed
    expect(screen.filter((l) => l.startsWith(PROMPT)).length).toBeGreaterThan(1);
    expect((await c.lines()).at(-1)).toBe(`${PROMPT}/jo`);

    c.type('bs\r');
    const jobs = await c.waitFor((s) => s.some((l) => /^\s*id\s+kind\s+state/.test(l)), 'the /jobs table');
    const table = jobs.slice(jobs.findIndex((l) => /^\s*id\s+kind\s+state/.test(l))).slice(0, 2);
    const column = (line: string, word: string) => line.indexOf(word);
    expect(column(table[1]!, 'diagnose')).toBe(column(table[0]!, 'kind'));
    expect(column(table[1]!, 'succeeded')).toBe(column(table[0]!, 'state'));
    expect(column(table[1]!, 'console:alice')).toBe(column(table[0]!, 'requester'));
    // No job was queued by the lines cleared with Ctrl-C: the diagnosis is the only one.
    const rows = jobs.slice(jobs.findIndex((l) => /^\s*id\s+kind\s+state/.test(l)) + 1).filter((l) => /^\s*\d+\s/.test(l));
    expect(rows).toEqual([expect.stringMatching(/^\s*1\s+diagnose\s+succeeded\s+worker\s+console:alice\s+\d+s$/)]);

    await c.waitForCursorLine(PROMPT);
    c.type('\x03');
    await c.waitFor((s) => s.some((l) => l.includes('press Ctrl-C again or Ctrl-D to leave')), 'the hint to leave');
    c.type('\x03');
    expect(await c.exited).toBe(0);
  }, 180_000);

  it('Ctrl-D on an empty line leaves; a keypress after one Ctrl-C means staying', async () => {
    const c = open();
    await c.waitForCursorLine(PROMPT, 60_000);
    c.type('\x03');
    await c.waitFor((s) => s.some((l) => l.includes('press Ctrl-C again')), 'the hint');
    c.type('x\x7f'); // typed something (and deleted it): the next Ctrl-C only warns again
    c.type('\x03');
    await c.waitFor((s) => s.filter((l) => l.includes('press Ctrl-C again')).length === 2, 'a second hint');
    c.type('\x04');
    expect(await c.exited).toBe(0);
  }, 120_000);
});
