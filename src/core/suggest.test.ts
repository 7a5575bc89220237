import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './suggest.js';

describe('closestName', () => {
  const commands = ['help', 'deploy', 'rollback', 'history', 'status', 'infra', 'jobs', 'cancel', 'diagnose', 'audit'];
  it.each([
    ['deplyo', 'deploy'],
    ['stauts', 'status'],
    ['rolback', 'rollback'],
    ['hist', 'history'],
    ['Jobs', 'jobs'],
    ['cancle', 'cancel'],
  ])('%s → %s', (typed, meant) => expect(closestName(typed, commands)).toBe(meant));

  it.each(['frobnicate', 'x', 'ls', 'terraform'])('%s is nothing like any of them', (typed) => expect(closestName(typed, commands)).toBeUndefined());

  it('short app names: one edit is a typo, a different short word is not', () => {
    expect(closestName('wbe', ['web', 'api', 'worker'])).toBe('web');
    expect(closestName('ap', ['web', 'api', 'worker'])).toBe('api');
    expect(closestName('db', ['web', 'api', 'worker'])).toBeUndefined();
  });

  it('didYouMean phrases it, or says nothing', () => {
    expect(didYouMean('stagin', ['staging', 'prod'])).toBe(' Did you mean "staging"?');
    expect(didYouMean('deplyo', ['deploy'], (s) => `/${s}`)).toBe(' Did you mean /deploy?');
    expect(didYouMean('qa', ['staging', 'prod'])).toBe('');
    expect(didYouMean('x', [])).toBe('');
  });
});
