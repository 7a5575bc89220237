import { randomBytes } from 'node:crypto';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Redis } from 'ioredis';
import type { Config } from '../../../core/config/schema.js';
import type { Actor, ConversationRef } from '../../../core/message.js';
import { readOutbox, outboxStream, type OutboxEvent } from '../../../jobs/outbox.js';
import type { Outcome } from '../../command.js';
import type { CommandRouter } from '../../router.js';
import { renderPlain } from '../../render/plain.js';
import { completeLine, type CompletableCommand } from './completion.js';

/** `console --exec`: 0 done or answered, 1 failed or cancelled, 2 refused (README: exit codes). */
const EXIT_CODE = { succeeded: 0, answered: 0, failed: 1, cancelled: 1, refused: 2 } as const;

/**
 * The terminal chat (like Hubot's shell adapter): the embedded default's face, and a
 * scriptable client (`--exec`). Replies come from the router at once; job progress and results
 * arrive through this session's outbox stream, from whichever worker runs the job.
 */
export class ConsoleAdapter {
  readonly conversation: ConversationRef;
  private readonly abort = new AbortController();
  /** The interactive prompt, in a terminal: output arriving meanwhile is written above it. */
  private rl?: Interface;

  constructor(
    private readonly deps: {
      router: CommandRouter;
      /** A dedicated blocking connection: XREAD BLOCK holds it. */
      reader: Redis;
      actor: Actor;
      output?: NodeJS.WritableStream;
      /** For Tab completion: the commands and the names in the config. */
      completion?: { commands: readonly CompletableCommand[]; config: Pick<Config, 'apps' | 'stacks'> };
    },
  ) {
    this.conversation = { platform: 'console', channel: `${deps.actor.id}-${process.pid}-${randomBytes(3).toString('hex')}` };
  }

  private get out(): NodeJS.WritableStream {
    return this.deps.output ?? process.stdout;
  }

  private say(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Run one command, print the conversation until its last word; resolve to the exit code. */
  async exec(line: string): Promise<0 | 1 | 2> {
    const outcome = await this.send(line);
    if (outcome.kind === 'rejected') return 2;
    if (outcome.kind === 'reply') return 0;
    const key = `job:${outcome.jobId}`;
    for await (const { event } of readOutbox(this.deps.reader, outboxStream(this.conversation), '0', this.abort.signal)) {
      if (event.key !== key) continue;
      this.print(event);
      if (event.final) return EXIT_CODE[event.final];
    }
    return 1;
  }

  /**
   * Interactive chat until Ctrl-D, a second Ctrl-C on an empty line, or stop(). In a terminal,
   * as in a shell: Tab completes, Ctrl-C clears the line, and job output arriving while you
   * type is printed above the prompt, which is redrawn with what you had typed.
   */
  async interactive(input: NodeJS.ReadableStream = process.stdin): Promise<void> {
    this.say(`opsbot console — you are console:${this.deps.actor.id}. Type /help, or Ctrl-D to leave.`);
    const events = this.pump(outboxStream(this.conversation), '0');
    // Automated notifications routed to `console` (Argo CD syncs, drift) appear here too.
    const notices = this.pump(outboxStream({ platform: 'console', channel: 'notifications' }), '$');
    const terminal = (input as NodeJS.ReadStream).isTTY === true;
    const { completion } = this.deps;
    const rl = createInterface({
      input,
      output: this.out,
      prompt: 'opsbot> ',
      terminal,
      ...(completion ? { completer: (line: string) => completeLine(line, completion.commands, completion.config) } : {}),
    });
    if (terminal) this.rl = rl;
    let leaving = false;
    rl.on('SIGINT', () => {
      if (rl.line.length > 0 || !leaving) {
        this.out.write(rl.line.length > 0 ? '^C\n' : '^C (press Ctrl-C again or Ctrl-D to leave)\n');
        leaving = rl.line.length === 0;
        rl.write(null, { ctrl: true, name: 'e' });
        rl.write(null, { ctrl: true, name: 'u' });
        rl.prompt();
        return;
      }
      rl.close();
    });
    // Anything typed after a Ctrl-C means the person is staying.
    input.on('keypress', (_s: string, key?: { ctrl?: boolean; name?: string }) => {
      if (!(key?.ctrl && key.name === 'c')) leaving = false;
    });
    this.abort.signal.addEventListener('abort', () => rl.close());
    rl.prompt();
    for await (const line of rl) {
      if (line.trim()) await this.send(line);
      rl.prompt();
    }
    this.rl = undefined;
    this.stop();
    await Promise.all([events, notices]);
  }

  stop(): void {
    this.abort.abort();
  }

  private async send(line: string): Promise<Outcome> {
    const text = line.trim().replace(/^\//, '');
    const outcome = await this.deps.router.handle({ actor: this.deps.actor, conversation: this.conversation, text });
    this.say(renderPlain(outcome.message));
    return outcome;
  }

  private async pump(stream: string, from: string): Promise<void> {
    const reader = from === '$' ? this.deps.reader.duplicate() : this.deps.reader;
    try {
      for await (const { event } of readOutbox(reader, stream, from, this.abort.signal)) this.print(event);
    } catch {
      // Reader closed on shutdown.
    } finally {
      if (reader !== this.deps.reader) reader.disconnect();
    }
  }

  private print(event: OutboxEvent): void {
    this.above(`${labelOf(event)}${renderPlain(event.message)}`);
  }

  /** Output that arrives while the prompt waits: above it, and the prompt (with what was typed) redrawn. */
  private above(text: string): void {
    const rl = this.rl;
    if (!rl) return this.say(text);
    clearLine(this.out, 0);
    cursorTo(this.out, 0);
    this.say(text);
    rl.prompt(true);
  }
}

function labelOf(event: OutboxEvent): string {
  return event.key.startsWith('job:')
    ? `[job ${event.key.slice(4)}] `
    : event.key.startsWith('notify:')
      ? '[argo cd] '
      : event.key.startsWith('drift:')
        ? '[drift] '
        : '';
}
