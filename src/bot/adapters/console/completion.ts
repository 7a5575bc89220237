import type { Config } from '../../../core/config/schema.js';

/** What completion needs of a command: its name words and its usage line. */
export interface CompletableCommand {
  name: string;
  usage: string;
}

/**
 * Tab completion for the console: command names, then each argument as the command's usage
 * names it — `<app>` → apps (`<app|group>`: and app groups), `[env]` → that app's (or group's) environments, `<stack>` → stacks, `--flags`.
 * Read off the command specs, so a new command completes without being taught here.
 * Returns what Node's readline completer returns: [candidates, the word being completed].
 */
export function completeLine(
  line: string,
  commands: readonly CompletableCommand[],
  config: Pick<Config, 'apps' | 'stacks'> & Partial<Pick<Config, 'appGroups'>>,
): [string[], string] {
  const words = line.trimStart().split(/\s+/);
  const partial = words.pop() ?? '';
  const finish = (candidates: readonly string[]): [string[], string] => {
    const hits = [...new Set(candidates)].filter((c) => c.startsWith(partial)).sort();
    return [hits.length === 1 ? [`${hits[0]} `] : hits, partial];
  };
  // The command word itself, with the slash if one was typed.
  if (words.length === 0) return finish(commands.map((c) => `${partial.startsWith('/') ? '/' : ''}${c.name.split(' ')[0]}`));
  const done = words.map((w, i) => (i === 0 ? w.replace(/^\//, '') : w).toLowerCase());

  // The longest command name the typed words start with: `infra plan`, else `infra`.
  const spec = [...commands].sort((a, b) => b.name.length - a.name.length).find((c) => c.name.split(' ').every((w, i) => done[i] === w));
  const nameWords = spec ? spec.name.split(' ').length : 0;
  const candidates: string[] = [];
  if (done.length === 1) {
    // `/infra ` or `/deploy `: the subcommands there are.
    for (const c of commands) if (c.name.startsWith(`${done[0]} `)) candidates.push(c.name.split(' ')[1]!);
  }
  if (!spec) return finish(candidates);
  const args = done.slice(nameWords);
  if (partial.startsWith('-')) return finish([...spec.usage.matchAll(/--[a-z-]+/g)].map((m) => m[0]));
  if (args.at(-1)?.startsWith('--')) return finish([]); // a flag's value: nothing to offer
  const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  // `<app|group>` offers both.
  const placeholders = [...spec.usage.replace(/\[?--[a-z-]+ <[^>]+>\]?/g, '').matchAll(/[<[]([a-z|-]+)[>\]]/g)].map((m) => m[1]!.split('|'));
  const slot = placeholders[positional.length] ?? [];
  const appIndex = placeholders.findIndex((p) => p.includes('app'));
  const app = appIndex >= 0 ? positional[appIndex] : undefined;
  // A group's environments are its members'.
  const groups = config.appGroups ?? {};
  const apps = app && Object.hasOwn(config.apps, app) ? [app] : app && Object.hasOwn(groups, app) ? groups[app]! : Object.keys(config.apps);
  if (slot.includes('app')) candidates.push(...Object.keys(config.apps));
  if (slot.includes('group')) candidates.push(...Object.keys(groups));
  if (slot.includes('env')) candidates.push(...apps.flatMap((a) => Object.keys(config.apps[a]?.environments ?? {})));
  if (slot.includes('stack')) candidates.push(...Object.keys(config.stacks));
  return finish(candidates);
}
