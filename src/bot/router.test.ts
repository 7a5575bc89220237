import { describe, expect, it } from 'vitest';
import { Metrics } from '../core/metrics.js';
import { command, commandDeps, COMMANDS_CONFIG, silentLog } from '../../test/support/fakes.js';
import { deploy } from './commands/deploy.js';
import { CommandRouter } from './router.js';

describe('router: what typed words can add', () => {
  it('every unknown command is one metric series and one audit action; the word goes to the target, cut', async () => {
    const { deps, audit } = commandDeps(COMMANDS_CONFIG);
    const metrics = new Metrics();
    const router = new CommandRouter([deploy] as never, { ...deps, commands: () => [deploy] as never }, metrics, silentLog);
    for (const word of ['frobnicate', 'qwertyuiop', 'x'.repeat(150)]) {
      expect(await router.handle(command(word))).toMatchObject({ kind: 'rejected', code: 'E_UNKNOWN_COMMAND' });
    }
    const series = (await metrics.commands.get()).values;
    expect(series).toEqual([{ labels: { command: 'unknown', result: 'invalid' }, value: 3 }]);
    expect(audit.entries.map((e) => [e.action, e.target])).toEqual([
      ['command.unknown', '/frobnicate'],
      ['command.unknown', '/qwertyuiop'],
      ['command.unknown', `/${'x'.repeat(40)}`],
    ]);
  });
});
