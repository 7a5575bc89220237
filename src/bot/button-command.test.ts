import { describe, expect, it } from 'vitest';
import { buttonCommand } from './button-command.js';

describe('buttonCommand', () => {
  it('renders a typed action as the command text a click runs', () => {
    expect(buttonCommand({ action: { command: 'infra apply', args: ['abcdefgh'] }, label: 'Approve' })).toBe('infra apply abcdefgh');
    expect(buttonCommand({ action: { command: 'jobs', args: [] }, label: 'Jobs' })).toBe('jobs');
  });

  it.each(['two words', '', 'line\nbreak'])('refuses an argument that is not one word: %j', (arg) => {
    expect(() => buttonCommand({ action: { command: 'infra plan', args: [arg] }, label: 'Plan' })).toThrow(/is not one word/);
  });
});
