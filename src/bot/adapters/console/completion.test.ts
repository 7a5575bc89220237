import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../commands/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { completeLine } from './completion.js';

const config = parseConfig(`
gitops: { url: /tmp/g.git }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: a.yaml }
      prod: { kind: kustomize, path: b.yaml }
  worker:
    image: ghcr.io/example/worker
    environments:
      prod: { kind: manifest, path: c.yaml, container: worker }
appGroups:
  both: [web, worker]
stacks:
  local: { dir: x, approvers: ["console:alice"] }
  net: { dir: y, approvers: ["console:alice"] }
`);
const complete = (line: string) => completeLine(line, ALL_COMMANDS, config);

describe('console Tab completion', () => {
  it.each([
    ['/dep', [['/deploy '], '/dep']],
    ['/d', [['/deploy', '/diagnose'], '/d']],
    ['/deploy w', [['web', 'worker'], 'w']],
    ['/deploy b', [['both '], 'b']],
    ['/deploy both 1.2.3 ', [['prod', 'staging'], '']],
    ['/deploy we', [['web '], 'we']],
    ['/deploy ', [['approve', 'both', 'ignore', 'reject', 'web', 'worker'], '']],
    ['/deploy web 1.2.3 st', [['staging '], 'st']],
    ['/deploy worker 1.2.3 ', [['prod '], '']],
    ['/rollback web ', [['prod', 'staging'], '']],
    ['/rollback web staging --', [['--to '], '--']],
    ['/rollback web staging --to ', [[], '']],
    ['/status wor', [['worker '], 'wor']],
    ['/infra ', [['apply', 'drift', 'force-unlock', 'locks', 'plan', 'reject', 'unlock'], '']],
    ['/infra force-unlock n', [['net '], 'n']],
    ['/infra pl', [['plan '], 'pl']],
    ['/infra plan ', [['local', 'net'], '']],
    ['/infra unlock n', [['net '], 'n']],
    ['/jobs ', [[], '']],
    ['/nope x', [[], 'x']],
  ] as const)('%j', (line, expected) => {
    expect(complete(line)).toEqual(expected);
  });

  it('works without the leading slash too', () => {
    expect(complete('stat')).toEqual([['status '], 'stat']);
    expect(complete('history w')).toEqual([['web', 'worker'], 'w']);
  });
});
