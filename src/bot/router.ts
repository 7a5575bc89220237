import type { AuditResult } from '../core/audit.js';
import { isOpsbotError, OpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { actorSubject } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { Command, Outcome } from './command.js';
import type { CommandDeps, CommandSpec } from './commands/spec.js';
import { parseLine, type ParsedLine } from './parse.js';
import { didYouMean } from '../core/suggest.js';

/**
 * Parse → find the command → validate → policy → handler → one reply. Shared by every adapter;
 * every outcome is audited and counted. Nothing slow happens here: handlers enqueue.
 */
export class CommandRouter {
  private readonly byName = new Map<string, CommandSpec<unknown>>();

  constructor(
    private readonly commands: readonly CommandSpec<unknown>[],
    private readonly deps: CommandDeps,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    for (const c of commands) this.byName.set(c.name, c);
  }

  async handle(command: Command): Promise<Outcome> {
    const subject = actorSubject(command.actor);
    let spec: CommandSpec<unknown> | undefined;
    let name = '?';
    let target = '';
    try {
      const line = parseLine(command.text);
      name = line.name;
      spec = this.lookup(line);
      if (!spec) {
        // `/infra` alone, or `/infra frobnicate`: show the subcommands there are.
        const subs = this.commands.filter((c) => c.name.startsWith(`${line.name} `));
        if (subs.length > 0)
          throw new OpsbotError('E_USAGE', `/${line.name} needs a subcommand:\n${subs.map((c) => `  ${c.usage}  —  ${c.summary}`).join('\n')}`);
        const words = new Set(this.commands.map((c) => c.name.split(' ')[0]!));
        // Whatever was typed, one metric series and one audit action: random words must not
        // create a series (or an audit action) each. The word itself goes to the audit target.
        name = 'unknown';
        target = `/${line.name.slice(0, 40)}`;
        throw new OpsbotError(
          'E_UNKNOWN_COMMAND',
          `Unknown command /${line.name}.${didYouMean(line.name, words, (w) => `/${w}`)} Type /help to see what you can ask.`,
        );
      }
      name = spec.name;
      const args = spec.parse(spec.name.includes(' ') ? { ...line, positional: line.positional.slice(1) } : line, this.deps);
      target = spec.target?.(args) ?? '';
      if (spec.action) {
        const about = spec.resource?.(args) ?? {};
        for (const resource of Array.isArray(about) ? about : [about]) {
          const decision = this.deps.policy.can(subject, spec.action, resource);
          if (!decision.allowed) throw new OpsbotError('E_DENIED', `Denied: ${decision.reason}`);
        }
      }
      const outcome = await spec.handle({ command, subject, args, deps: this.deps });
      await this.record(
        command,
        name,
        target,
        outcome.kind === 'queued' ? 'accepted' : outcome.kind === 'rejected' ? 'invalid' : 'accepted',
        outcome.kind === 'queued' ? outcome.jobId : undefined,
      );
      return outcome;
    } catch (err) {
      const code = isOpsbotError(err) ? err.code : 'E_INTERNAL';
      if (!isOpsbotError(err)) this.log.error({ err, command: name }, 'command failed');
      const text = isOpsbotError(err) ? err.userMessage : 'Something went wrong inside opsbot; the logs have the details.';
      // A question about something that is not there gets an answer, not a refusal (/status).
      if (isOpsbotError(err) && spec?.answers?.includes(err.code)) {
        await this.record(command, name, target, 'answered', undefined, text);
        return { kind: 'reply', message: { status: 'info', text: text.split('\n')[0] } };
      }
      const result: AuditResult =
        code === 'E_DENIED'
          ? 'denied'
          : code === 'E_RATE_LIMITED'
            ? 'limited'
            : code === 'E_QUEUE_UNAVAILABLE'
              ? 'unavailable'
              : code === 'E_INTERNAL'
                ? 'failed'
                : 'invalid';
      await this.record(command, name, target, result, undefined, text);
      return { kind: 'rejected', code, message: { status: 'failure', text } };
    }
  }

  private lookup(line: ParsedLine): CommandSpec<unknown> | undefined {
    const sub = line.positional[0];
    return (sub && this.byName.get(`${line.name} ${sub.toLowerCase()}`)) || this.byName.get(line.name);
  }

  private async record(command: Command, name: string, target: string, result: AuditResult, job?: string, detail?: string): Promise<void> {
    this.metrics.commands.inc({ command: name, result });
    try {
      await this.deps.audit.append({
        actor: actorSubject(command.actor),
        platform: command.actor.platform,
        action: `command.${name}`,
        target,
        result,
        job,
        detail,
      });
    } catch (err) {
      // The audit shares Redis with the queue; when Redis is away the reply must still go out.
      this.log.warn({ err: (err as Error).message }, 'audit entry not written');
    }
  }
}
