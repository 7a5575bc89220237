import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SLASH_COMMANDS, UMBRELLA_COMMAND } from '../../src/bot/adapters/slack/slash-commands.js';
import { ROOT } from '../support/cli.js';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string } };
}

describe('slack-app-manifest.yaml', () => {
  const manifest = parse(readFileSync(join(ROOT, 'slack-app-manifest.yaml'), 'utf8')) as Manifest;

  it('declares exactly the slash commands the adapter answers, all at /slack/events', () => {
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([UMBRELLA_COMMAND, ...Object.keys(DEFAULT_SLASH_COMMANDS)].sort());
    for (const c of manifest.features.slash_commands) expect(c.url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
  });

  it('never claims the commands Slack keeps for itself', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).not.toEqual(expect.arrayContaining(['/status']));
    expect(manifest.features.slash_commands.map((c) => c.command)).not.toEqual(expect.arrayContaining(['/help']));
  });

  it('asks for the scopes opsbot uses, and sends interactivity to /slack/events', () => {
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'channels:history',
      'channels:read',
      'chat:write',
      'chat:write.public',
      'commands',
      'files:write',
      'groups:history',
      'groups:read',
      'usergroups:read',
    ]);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: expect.stringMatching(/\/slack\/events$/) });
  });
});
