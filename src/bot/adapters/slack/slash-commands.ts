/**
 * Slash command → the opsbot command its text starts. `/opsbot` reaches every command
 * (`/opsbot status`, `/opsbot help`: Slack keeps `/status` and `/help` for itself); the rest are
 * shortcuts. `slack-app-manifest.yaml` declares exactly these (a test keeps them in step).
 */
export const UMBRELLA_COMMAND = '/opsbot';

export const DEFAULT_SLASH_COMMANDS: Readonly<Record<string, string>> = {
  '/deploy': 'deploy',
  '/rollback': 'rollback',
  '/config': 'config',
  '/infra': 'infra',
  '/jobs': 'jobs',
  '/cancel': 'cancel',
};

/** What each slash command means here: defaults plus `chat.slack.commands` (which may rename, e.g. `/ship` → deploy). */
export function slashCommandTable(configured: Record<string, string>): Map<string, string | null> {
  const table = new Map<string, string | null>([[UMBRELLA_COMMAND, null]]);
  for (const [slash, command] of Object.entries({ ...DEFAULT_SLASH_COMMANDS, ...configured })) table.set(slash.toLowerCase(), command);
  return table;
}

/** The router's text for one slash command, or undefined when it is not one of ours. */
export function commandText(table: Map<string, string | null>, slash: string, text: string): string | undefined {
  const key = slash.toLowerCase();
  if (!table.has(key)) return undefined;
  const prefix = table.get(key);
  const rest = text.trim();
  if (prefix === null || prefix === undefined) return rest || 'help';
  return rest ? `${prefix} ${rest}` : prefix;
}
