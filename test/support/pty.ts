import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { OPSBOT_BIN, ROOT } from './cli.js';

/**
 * opsbot in a real pseudo-terminal (node-pty), its output fed to a headless terminal emulator
 * (xterm.js) so that tests read the screen a person would see — cursor moves, line clears and
 * redrawn prompts included — instead of raw escape sequences.
 */
export class PtyOpsbot {
  readonly pty: IPty;
  private readonly term: InstanceType<typeof xterm.Terminal>;
  private pending = Promise.resolve();
  readonly exited: Promise<number>;

  constructor(args: string[], env: NodeJS.ProcessEnv, size = { cols: 120, rows: 60 }) {
    this.term = new xterm.Terminal({ ...size, allowProposedApi: true, scrollback: 5000 });
    this.pty = spawnPty(process.execPath, [OPSBOT_BIN, ...args], { name: 'xterm-256color', ...size, cwd: ROOT, env: env as Record<string, string> });
    this.pty.onData((d) => {
      this.pending = this.pending.then(() => new Promise<void>((r) => this.term.write(d, r)));
    });
    this.exited = new Promise((r) => this.pty.onExit(({ exitCode }) => r(exitCode)));
  }

  /** Every line of the screen and its scrollback, trailing blanks trimmed. */
  async lines(): Promise<string[]> {
    await this.pending;
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    while (out.length > 0 && out.at(-1) === '') out.pop();
    return out;
  }

  /** The line the cursor is on: the prompt and what has been typed. */
  async cursorLine(): Promise<string> {
    await this.pending;
    const b = this.term.buffer.active;
    return b.getLine(b.baseY + b.cursorY)?.translateToString(true) ?? '';
  }

  type(keys: string): void {
    this.pty.write(keys);
  }

  async waitFor(check: (screen: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.lines();
      if (check(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Wait until the cursor line is exactly `text` (a redrawn prompt, a completed word). */
  async waitForCursorLine(text: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.cursorLine()) !== text) {
      if (Date.now() > deadline)
        throw new Error(
          `cursor line is ${JSON.stringify(await this.cursorLine())}, not ${JSON.stringify(text)}; screen:\n${(await this.lines()).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    try {
      this.pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
