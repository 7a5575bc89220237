import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from './index.js';

describe('ALL_COMMANDS', () => {
  it('has one spec per name, each with a usage that starts with its own words', () => {
    const names = ALL_COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of ALL_COMMANDS) expect(c.usage.startsWith(`/${c.name}`), c.name).toBe(true);
  });

  it('lists /help first and the admin commands last, in the order /help shows', () => {
    expect(ALL_COMMANDS.map((c) => c.name)).toEqual([
      'help',
      'deploy',
      'deploy approve',
      'deploy reject',
      'deploy ignore',
      'rollback',
      'config',
      'history',
      'status',
      'infra plan',
      'infra apply',
      'infra reject',
      'infra drift',
      'infra locks',
      'infra unlock',
      'infra force-unlock',
      'jobs',
      'cancel',
      'diagnose',
      'audit',
    ]);
  });
});
