import { describe, expect, it } from 'vitest';
import { OpsbotError } from '../core/errors.js';
import { parseLine } from './parse.js';

function error(line: string): OpsbotError {
  try {
    parseLine(line);
  } catch (err) {
    if (err instanceof OpsbotError) return err;
    throw err;
  }
  throw new Error(`"${line}" parsed without error`);
}

describe('parseLine', () => {
  it.each([
    ['/jobs', { name: 'jobs', positional: [], flags: {}, bare: new Set(), pairs: {} }],
    ['deploy web 1.4.2 prod', { name: 'deploy', positional: ['web', '1.4.2', 'prod'], flags: {}, bare: new Set(), pairs: {} }],
    ['/deploy@opsbot_bot web 1.4.2', { name: 'deploy', positional: ['web', '1.4.2'], flags: {}, bare: new Set(), pairs: {} }],
    ['/DEPLOY web', { name: 'deploy', positional: ['web'], flags: {}, bare: new Set(), pairs: {} }],
    [
      '/infra plan core --target module.aks',
      { name: 'infra', positional: ['plan', 'core'], flags: { target: 'module.aks' }, bare: new Set(), pairs: {} },
    ],
    [
      '/infra plan core --target=module.aks --dry-run',
      { name: 'infra', positional: ['plan', 'core'], flags: { target: 'module.aks', 'dry-run': 'true' }, bare: new Set(['dry-run']), pairs: {} },
    ],
    ['/history web env=prod n=5', { name: 'history', positional: ['web'], flags: {}, bare: new Set(), pairs: { env: 'prod', n: '5' } }],
    ['/note "two words" \'and three more\'', { name: 'note', positional: ['two words', 'and three more'], flags: {}, bare: new Set(), pairs: {} }],
    ['  /jobs   3  ', { name: 'jobs', positional: ['3'], flags: {}, bare: new Set(), pairs: {} }],
    ['/infra plan core --branch true', { name: 'infra', positional: ['plan', 'core'], flags: { branch: 'true' }, bare: new Set(), pairs: {} }],
    ['/infra plan core --branch', { name: 'infra', positional: ['plan', 'core'], flags: { branch: 'true' }, bare: new Set(['branch']), pairs: {} }],
    ['/deploy web sha256:0123abcd', { name: 'deploy', positional: ['web', 'sha256:0123abcd'], flags: {}, bare: new Set(), pairs: {} }],
  ])('%s', (line, expected) => {
    expect(parseLine(line)).toEqual(expected);
  });

  it.each([
    ['/deploy web $(id)', 'contains "$"'],
    ['/deploy web v1;rm', 'contains ";"'],
    ['/deploy web `id`', 'contains "`"'],
    ['/deploy web a|b', 'contains "|"'],
    ['/deploy web a&&b', 'contains "&"'],
    ['/deploy web ../x>y', 'contains ">"'],
    ['/deploy web "a$b"', 'contains "$"'],
    ['/deploy web --tag=$(id)', 'contains "$"'],
    ['/deploy web x=$(id)', 'contains "$"'],
    ['/deploy web 1.0\nrm -rf /', 'newlines are not accepted'],
    ['/deploy web 1.0\rx', 'newlines'],
    ['/deploy web a\u0007b', 'Control characters'],
    ['/deploy web a\u2028b', 'Control characters'],
    [`/deploy web ${'a'.repeat(201)}`, 'at most 200'],
    ['/deploy "web', 'Unclosed " quote'],
    [`/x ${'a '.repeat(1001)}`, 'at most 2000'],
    ['   ', 'Type /help'],
  ])('refuses %j', (line, message) => {
    const err = error(line);
    expect(err.code).toMatch(/^E_(BAD_ARGUMENT|USAGE)$/);
    expect(err.userMessage).toContain(message);
  });

  it('accepts an argument of exactly 200 characters', () => {
    expect(parseLine(`/x ${'a'.repeat(200)}`).positional[0]).toHaveLength(200);
  });
});
