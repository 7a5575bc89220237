import { describe, expect, it } from 'vitest';
import { formatDeployMessage, formatGroupDeployMessage, parseDeployMessage, parseGroupDeployMessage, parseTrailers, withJobTrailer } from './deploy-message.js';

describe('deploy commit messages', () => {
  it('formats the agreed shape and reads it back', () => {
    const text = formatDeployMessage({ verb: 'deploy', app: 'web', env: 'prod', from: '1.4.2', to: '1.5.0', requestedBy: { name: 'Alice Example', platform: 'slack', id: 'U024BE7LH' }, jobId: '1842' });
    expect(text).toBe('deploy(web): 1.4.2 → 1.5.0 [prod]\n\nRequested-by: Alice Example (slack:U024BE7LH)\nOpsbot-Job: 1842\n');
    expect(parseDeployMessage(text)).toEqual({ verb: 'deploy', app: 'web', env: 'prod', from: '1.4.2', to: '1.5.0', requestedBy: { name: 'Alice Example', platform: 'slack', id: 'U024BE7LH' }, jobId: '1842' });
  });

  it('a first deploy has "none" as its old tag; rollbacks parse too', () => {
    const text = formatDeployMessage({ verb: 'rollback', app: 'api', env: 'prod', from: null, to: '2.0.0', body: 'Reason: 500s after 2.1.0' });
    expect(text.split('\n')[0]).toBe('rollback(api): none → 2.0.0 [prod]');
    expect(parseDeployMessage(text)).toMatchObject({ verb: 'rollback', from: null, to: '2.0.0' });
  });

  it('a display name cannot smuggle in a trailer', () => {
    const text = formatDeployMessage({ verb: 'deploy', app: 'web', env: 'prod', from: 'a', to: 'b', requestedBy: { name: 'Eve\nOpsbot-Job: 1', platform: 'telegram', id: '7' }, jobId: '2' });
    expect(parseTrailers(text).get('Opsbot-Job')).toBe('2');
    expect(parseDeployMessage(text)?.requestedBy?.name).toBe('Eve Opsbot-Job: 1');
  });

  it('other commits are not deploys', () => {
    expect(parseDeployMessage('chore(deps): bump web to 1.2.3')).toBeNull();
    expect(parseDeployMessage('Merge pull request #4 from example/opsbot/web-prod-1.5.0')).toBeNull();
  });

  it('withJobTrailer adds the trailer once, to an existing trailer block or a new one', () => {
    expect(withJobTrailer('fix tag', 'j1')).toBe('fix tag\n\nOpsbot-Job: j1\n');
    expect(withJobTrailer('fix tag\n\nRequested-by: A (console:a)\n', 'j1')).toBe('fix tag\n\nRequested-by: A (console:a)\nOpsbot-Job: j1\n');
    expect(withJobTrailer('fix tag\n\nOpsbot-Job: j1', 'j1')).toBe('fix tag\n\nOpsbot-Job: j1\n');
  });

  it('a group deploy names every app in its subject and gives each a line; it is no single deploy', () => {
    const text = formatGroupDeployMessage({
      env: 'prod',
      ref: '1.5.0',
      changes: [
        { app: 'bot-mat', from: '1.4.2', to: '1.5.0', changed: true },
        { app: 'bot-prod', from: '1.5.0', to: '1.5.0', changed: false },
      ],
      group: 'bots',
      requestedBy: { name: 'Alice', platform: 'console', id: 'alice' },
      jobId: '7-ab',
    });
    expect(text).toBe('deploy(bot-mat,bot-prod): 1.5.0 [prod]\n\nbot-mat: 1.4.2 → 1.5.0\nbot-prod: already at 1.5.0\n\nApp-Group: bots\nRequested-by: Alice (console:alice)\nOpsbot-Job: 7-ab\n');
    expect(parseDeployMessage(text)).toBeNull();
    expect(parseGroupDeployMessage(text)).toEqual({ apps: ['bot-mat', 'bot-prod'], ref: '1.5.0', env: 'prod', requestedBy: { name: 'Alice', platform: 'console', id: 'alice' }, jobId: '7-ab' });
    expect(parseTrailers(text).get('Opsbot-Job')).toBe('7-ab');
    expect(parseGroupDeployMessage('deploy(web): 1.4.2 → 1.5.0 [prod]')).toBeNull();
  });
});
