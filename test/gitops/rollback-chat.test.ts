import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { git } from './bare-repo.js';

/** What a newcomer does on the embedded default: deploy twice, then roll back, and back again. */
describe('/rollback twice in a row (embedded default, real git)', () => {
  const home = tempDir('opsbot-home-');
  const env = baseEnv({ OPSBOT_HOME: home });
  const bare = join(home, 'gitops.git');
  const chat = (line: string) => runOpsbot(['console', '--as', 'alice', '--exec', line], { env, timeoutMs: 120_000 });
  const subjects = async () => (await git(bare, 'log', '--format=%s', 'main', '--', 'apps/web/overlays/staging/kustomization.yaml')).split('\n');

  it('goes 1.5.1 → 1.5.0 → 1.4.3, never back to 1.5.1; then says there is nothing left; --to picks from history', async () => {
    for (const tag of ['1.5.0', '1.5.1']) expect((await chat(`/deploy web ${tag} staging`)).code).toBe(0);

    const first = await chat('/rollback web staging');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('✔ Rolled back web in staging: 1.5.1 → 1.5.0');
    const second = await chat('/rollback web staging');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('✔ Rolled back web in staging: 1.5.0 → 1.4.3');
    expect((await subjects()).slice(0, 4)).toEqual([
      'rollback(web): 1.5.0 → 1.4.3 [staging]',
      'rollback(web): 1.5.1 → 1.5.0 [staging]',
      'deploy(web): 1.5.0 → 1.5.1 [staging]',
      'deploy(web): 1.4.3 → 1.5.0 [staging]',
    ]);

    const before = await git(bare, 'rev-parse', 'main');
    const third = await chat('/rollback web staging');
    expect(third.code).toBe(2);
    expect(third.stdout).toMatch(/Nothing to roll back to in apps\/web\/overlays\/staging\/kustomization\.yaml: every earlier version was rolled back from \(1\.5\.1, 1\.5\.0\)/);
    const unknown = await chat('/rollback web staging --to 9.9.9');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('9.9.9 is not in the history of apps/web/overlays/staging/kustomization.yaml; nothing was changed. Versions it held: 1.4.3, 1.5.0, 1.5.1.');
    expect(await git(bare, 'rev-parse', 'main')).toBe(before);

    const picked = await chat('/rollback web staging --to 1.5.0');
    expect(picked.code, picked.stdout).toBe(0);
    expect(picked.stdout).toContain('✔ Rolled back web in staging: 1.4.3 → 1.5.0');

    const history = await chat('/history web staging');
    expect(history.code).toBe(0);
    const rows = history.stdout.split('\n').filter((l) => /^\s*\d{4}-\d\d-\d\d /.test(l)).map((l) => l.replace(/^\s*\S+ \S+\s+/, '').replace(/\s+[0-9a-f]{8}\s+/, ' | ').replace(/\s{2,}/g, ' | '));
    expect(rows).toEqual([
      '1.5.0 | alice (console:alice) | ← current, rollback from 1.4.3',
      '1.4.3 | alice (console:alice) | rollback from 1.5.0, rolled back',
      '1.5.0 | alice (console:alice) | rollback from 1.5.1, rolled back',
      '1.5.1 | alice (console:alice) | rolled back',
      '1.5.0 | alice (console:alice)',
      expect.stringMatching(/^1\.4\.3 \| /),
    ]);
  }, 180_000);
});
