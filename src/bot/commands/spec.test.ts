import { describe, expect, it } from 'vitest';
import { parseLine } from '../parse.js';
import { command, commandDeps, COMMANDS_CONFIG } from '../../../test/support/fakes.js';
import { defineCommand, expectArgs, queueJob, usage } from './spec.js';

const spec = defineCommand({
  name: 'thing',
  usage: '/thing <a> [b]',
  summary: 'a thing',
  action: null,
  parse: () => ({}),
  handle: async () => ({ kind: 'reply', message: {} }),
});

describe('command spec helpers', () => {
  it('usage() says what was wrong and how to do it right', () => {
    expect(usage(spec, 'Nope.')).toMatchObject({ code: 'E_USAGE', userMessage: 'Nope.\nUsage: /thing <a> [b]' });
  });

  it.each([
    ['thing', 'Missing argument.'],
    ['thing a b c', 'Too many arguments.'],
    ['thing a --force', 'Unknown option --force.'],
    ['thing a x=1', 'Unknown argument x=….'],
  ])('expectArgs refuses %j', (line, problem) => {
    expect(() => expectArgs(spec, parseLine(line), { min: 1, max: 2 })).toThrow(
      expect.objectContaining({ userMessage: `${problem}\nUsage: /thing <a> [b]` }),
    );
  });

  it('expectArgs accepts the flags and pairs a command names', () => {
    expect(() => expectArgs(spec, parseLine('thing a --var-file x.tfvars n=1'), { min: 1, max: 1, flags: ['var-file'], pairs: ['n'] })).not.toThrow();
  });

  it('queueJob queues for the asking conversation and answers "Queued as job N"', async () => {
    const { deps, queues } = commandDeps(COMMANDS_CONFIG);
    const outcome = await queueJob({ command: command('thing'), deps }, 'status', { app: 'web' }, 'web@prod', 'status of web');
    expect(outcome).toEqual({ kind: 'queued', jobId: '100', message: { status: 'progress', text: 'Queued as job 100: status of web.' } });
    expect(queues.queued[0]).toMatchObject({ kind: 'status', conversation: { platform: 'console', channel: 'test' }, target: 'web@prod' });
  });
});
