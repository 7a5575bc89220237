import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { formatMissingEnv, missingEnv, type ProcessRole } from './required-env.js';

const FULL = `
gitops:
  url: https://github.com/example/gitops.git
  github: { owner: example, repo: gitops }
stacks:
  net: { dir: infra/net, env: [ARM_CLIENT_SECRET, TF_VAR_db_password], approvers: ["console:alice"] }
chat:
  slack: {}
  telegram: {}
notifications:
  routes:
    - { triggers: [on-sync-failed], to: ["slack:C0123ABCD", "telegram:-1001234"] }
`;

const names = (text: string, env: NodeJS.ProcessEnv, role?: ProcessRole) => missingEnv(parseConfig(text), env, role).map((m) => m.name);

describe('missingEnv', () => {
  it('an empty config needs nothing', () => {
    expect(missingEnv(parseConfig(''), {})).toEqual([]);
  });

  it('lists every variable the config implies, once, naming the fields that need it', () => {
    expect(missingEnv(parseConfig(FULL), {})).toEqual([
      { name: 'GITHUB_TOKEN', neededBy: 'gitops.github' },
      { name: 'ARM_CLIENT_SECRET', neededBy: 'stacks.net.env' },
      { name: 'TF_VAR_db_password', neededBy: 'stacks.net.env' },
      { name: 'SLACK_BOT_TOKEN', neededBy: 'chat.slack, notifications.routes.0.to' },
      { name: 'SLACK_SIGNING_SECRET', neededBy: 'chat.slack' },
      { name: 'TELEGRAM_BOT_TOKEN', neededBy: 'chat.telegram, notifications.routes.0.to' },
    ]);
  });

  it.each<[string, NodeJS.ProcessEnv, string[]]>([
    [
      'all set',
      {
        GITHUB_TOKEN: 'g',
        ARM_CLIENT_SECRET: 'a',
        TF_VAR_db_password: 'p',
        SLACK_BOT_TOKEN: 'x',
        SLACK_SIGNING_SECRET: 's',
        TELEGRAM_BOT_TOKEN: 't',
      },
      [],
    ],
    [
      'Socket Mode needs no signing secret',
      { GITHUB_TOKEN: 'g', ARM_CLIENT_SECRET: 'a', TF_VAR_db_password: 'p', SLACK_BOT_TOKEN: 'x', SLACK_APP_TOKEN: 'xapp', TELEGRAM_BOT_TOKEN: 't' },
      [],
    ],
    [
      'an empty value counts as unset',
      {
        GITHUB_TOKEN: ' ',
        ARM_CLIENT_SECRET: 'a',
        TF_VAR_db_password: 'p',
        SLACK_BOT_TOKEN: 'x',
        SLACK_SIGNING_SECRET: 's',
        TELEGRAM_BOT_TOKEN: 't',
      },
      ['GITHUB_TOKEN'],
    ],
  ])('%s', (_title, env, expected) => {
    expect(names(FULL, env)).toEqual(expected);
  });

  it('a worker needs only what jobs use; a bot only what chat uses', () => {
    expect(names(FULL, {}, 'jobs')).toEqual(['GITHUB_TOKEN', 'ARM_CLIENT_SECRET', 'TF_VAR_db_password']);
    expect(names(FULL, {}, 'chat')).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'TELEGRAM_BOT_TOKEN']);
  });

  it('a route to the console needs no token', () => {
    expect(names('notifications: { routes: [ { triggers: [on-deployed], to: [console] } ] }\n', {})).toEqual([]);
  });

  it('formats one line per variable', () => {
    expect(formatMissingEnv({ name: 'SLACK_BOT_TOKEN', neededBy: 'chat.slack' })).toBe('SLACK_BOT_TOKEN is not set (needed by chat.slack)');
  });
});
