import type { CommandSpec } from '../../commands/spec.js';

/** Telegram BotCommand: "command: 1-32 characters … lowercase English letters, digits and underscores"; "description: 1-256 characters". */
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
const DESCRIPTION_MAX = 256;

export interface BotCommand {
  command: string;
  description: string;
}

/**
 * The menu published with setMyCommands, generated from the command specs (never written
 * twice). Telegram commands are single words: a spec of its own gives its summary; a word that
 * only has subcommands (`infra plan`, `infra apply`, …) lists them.
 */
export function botCommands(specs: readonly Pick<CommandSpec, 'name' | 'summary'>[]): BotCommand[] {
  const byWord = new Map<string, { own?: string; subs: string[] }>();
  for (const spec of specs) {
    const [word = '', sub] = spec.name.split(' ');
    if (!COMMAND_NAME.test(word)) continue;
    const entry = byWord.get(word) ?? { subs: [] };
    if (sub) entry.subs.push(sub);
    else entry.own = spec.summary;
    byWord.set(word, entry);
  }
  return [...byWord].map(([command, { own, subs }]) => ({
    command,
    description: clip(own ?? `${command} ${subs.join(' | ')}: see /help`),
  }));
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim() || 'opsbot command';
  return one.length <= DESCRIPTION_MAX ? one : `${one.slice(0, DESCRIPTION_MAX - 1)}…`;
}
