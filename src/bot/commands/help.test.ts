import { describe, expect, it } from 'vitest';
import { alice, bob, BOTS_CONFIG, carol, command, commandDeps, COMMANDS_CONFIG, routerFor } from '../../../test/support/fakes.js';
import { ALL_COMMANDS } from './index.js';

describe('/help', () => {
  const help = async (who = carol, config = COMMANDS_CONFIG) => {
    const { deps } = commandDeps(config);
    const outcome = await routerFor(ALL_COMMANDS, deps).handle(command('help', who));
    return outcome.message;
  };

  it('lists only what the asker may ever do, generated from the command specs', async () => {
    const message = await help();
    const [commands = '', scope = ''] = message.code?.split('\n\n') ?? [];
    const usages = commands.split('\n').map((l) => l.split('  —  ')[0]);
    expect(usages).toEqual([
      '/help',
      '/deploy approve <job-id>',
      '/deploy reject <job-id>',
      '/history <app> [env] [n]',
      '/status <app> [env]',
      '/infra reject <plan-id> [stack]',
      '/infra locks',
      '/infra unlock <stack>',
      '/infra force-unlock <stack> <lock-id>',
      '/jobs [n]',
      '/cancel <job-id>',
    ]);
    // What carol may act on: read-only on every app environment, nothing on the stacks.
    expect(scope.split('\n')).toEqual([
      'app / stack  environment  you may',
      'web          staging      status, history',
      'web          prod         status, history',
      'api          prod         status, history',
    ]);
    expect(message.context).toBe('You are console:carol.');
  });

  it('someone allowed to deploy sees the deploy commands too', async () => {
    const usages = (await help(bob)).code ?? '';
    expect(usages).toContain('/deploy <app|group> <tag> [env]  —  Commit a new image tag');
    expect(usages).not.toContain('/rollback');
  });

  it('lists an app group where the asker may deploy every member', async () => {
    const config = `${BOTS_CONFIG}access:\n  rules:\n    - { subjects: ["console:alice"], actions: [deploy] }\n    - { subjects: ["console:bob"], actions: [deploy], apps: [bot-mat] }\n`;
    expect((await help(alice, config)).code).toContain('group bots (bot-mat, bot-prod)  prod         deploy');
    expect((await help(bob, config)).code).not.toContain('group bots');
  });
});
