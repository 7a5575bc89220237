import type { CommanderError } from 'commander';
import { ALL_COMMANDS } from '../bot/commands/index.js';

/**
 * `opsbot deploy web 1.2.0` is a natural first try: the chat commands are not CLI commands,
 * so say how to send one from the terminal instead of only "unknown command".
 */
export function usageHint(err: CommanderError): string | undefined {
  if (err.code !== 'commander.unknownCommand') return undefined;
  const word = /unknown command '([^']+)'/.exec(err.message)?.[1];
  if (!word) return undefined;
  const specs = ALL_COMMANDS.filter((c) => c.name === word || c.name.startsWith(`${word} `));
  if (specs.length === 0) return undefined;
  return `"${word}" is a chat command; from a terminal: opsbot console --exec "${specs[0]!.usage}"`;
}
