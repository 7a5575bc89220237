import type { Config } from './schema.js';

/**
 * Which side of a split deployment needs a variable: `chat` for the processes that talk to chat
 * platforms (`opsbot bot`), `jobs` for the ones that run jobs (`opsbot worker`); `opsbot start`
 * is both. A worker never posts to Slack itself (it writes to the outbox the bot delivers), so
 * it must not be refused for lacking a Slack token.
 */
export type ProcessRole = 'all' | 'chat' | 'jobs';

export interface MissingEnv {
  /** The environment variable that is unset or empty. */
  name: string;
  /** The config field (or fields) that implies it, e.g. `chat.slack`. */
  neededBy: string;
}

interface Requirement {
  name: string;
  neededBy: string;
  side: 'chat' | 'jobs';
}

/**
 * The secrets a valid config implies must be in the environment. Pure: the config says what is
 * used, `env` says what is there, and start refuses on the difference, before anything connects,
 * instead of failing on the first job or chat message that needs the secret.
 */
export function missingEnv(config: Config, env: NodeJS.ProcessEnv, role: ProcessRole = 'all'): MissingEnv[] {
  const required: Requirement[] = [];
  if (config.gitops?.github) required.push({ name: 'GITHUB_TOKEN', neededBy: 'gitops.github', side: 'jobs' });
  if (config.gitops?.signing) required.push({ name: config.gitops.signing.keyEnv, neededBy: 'gitops.signing', side: 'jobs' });
  for (const [stack, s] of Object.entries(config.stacks)) {
    for (const name of s.env) required.push({ name, neededBy: `stacks.${stack}.env`, side: 'jobs' });
  }
  if (config.chat.slack) {
    required.push({ name: 'SLACK_BOT_TOKEN', neededBy: 'chat.slack', side: 'chat' });
    // Socket Mode (an app-level token) receives events over a websocket: no request signatures.
    if (!isSet(env.SLACK_APP_TOKEN)) required.push({ name: 'SLACK_SIGNING_SECRET', neededBy: 'chat.slack', side: 'chat' });
  }
  if (config.chat.telegram) required.push({ name: 'TELEGRAM_BOT_TOKEN', neededBy: 'chat.telegram', side: 'chat' });
  config.notifications.routes.forEach((route, i) => {
    for (const to of route.to) {
      if (to.startsWith('slack:')) required.push({ name: 'SLACK_BOT_TOKEN', neededBy: `notifications.routes.${i}.to`, side: 'chat' });
      if (to.startsWith('telegram:')) required.push({ name: 'TELEGRAM_BOT_TOKEN', neededBy: `notifications.routes.${i}.to`, side: 'chat' });
    }
  });

  // One entry per variable, naming every field that needs it.
  const byName = new Map<string, string[]>();
  for (const r of required) {
    if (role !== 'all' && r.side !== role) continue;
    if (isSet(env[r.name])) continue;
    const fields = byName.get(r.name) ?? [];
    if (!fields.includes(r.neededBy)) fields.push(r.neededBy);
    byName.set(r.name, fields);
  }
  return [...byName].map(([name, fields]) => ({ name, neededBy: fields.join(', ') }));
}

/** `opsbot: SLACK_BOT_TOKEN is not set (needed by chat.slack)` */
export function formatMissingEnv(m: MissingEnv): string {
  return `${m.name} is not set (needed by ${m.neededBy})`;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * Variables only the chat side uses: the chat platforms' tokens and the dashboard's. A worker
 * needs none of them, so it does not keep them where a job's child process could look.
 */
export function isChatOnlyVariable(name: string): boolean {
  return /^(SLACK|TELEGRAM)_/.test(name) || name === 'OPSBOT_DASHBOARD_TOKEN';
}
