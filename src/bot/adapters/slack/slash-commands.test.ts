import { describe, expect, it } from 'vitest';
import { commandText, slashCommandTable } from './slash-commands.js';

describe('slash commands → router text', () => {
  const table = slashCommandTable({ '/ship': 'deploy', '/deploy': 'deploy' });
  it.each([
    ['/opsbot', 'status web', 'status web'],
    ['/opsbot', '  ', 'help'],
    ['/deploy', 'web 1.2 prod', 'deploy web 1.2 prod'],
    ['/DEPLOY', 'web 1.2', 'deploy web 1.2'],
    ['/ship', 'web 1.2', 'deploy web 1.2'],
    ['/infra', 'plan network', 'infra plan network'],
    ['/jobs', '', 'jobs'],
    ['/cancel', '12', 'cancel 12'],
    ['/status', 'web', undefined],
    ['/frobnicate', 'x', undefined],
  ])('%s %j → %j', (slash, text, expected) => {
    expect(commandText(table, slash, text)).toBe(expected);
  });
});
