import { describe, expect, it } from 'vitest';
import { bob, command, commandDeps, routerFor } from '../../../test/support/fakes.js';
import { config } from './config.js';

const CONFIG = `
gitops: { url: /srv/gitops.git }
apps:
  worker:
    image: ghcr.io/example/worker
    environments:
      prod:
        kind: manifest
        path: w.yaml
        container: worker
        config: { kind: env, path: w.yaml, container: worker }
  cache:
    image: ghcr.io/example/cache
    environments:
      prod: { kind: manifest, path: c.yaml, container: cache, protected: true, config: { kind: configmap, path: c.yaml, restart: { path: c.yaml, workload: cache } } }
      staging: { kind: manifest, path: c.yaml, container: cache }
access:
  rules:
    - subjects: ["console:alice"]
      actions: [config]
`;

function setup() {
  const fakes = commandDeps(CONFIG);
  return { ...fakes, router: routerFor([config], fakes.deps) };
}

describe('/config', () => {
  it.each([
    ['config worker', 'config-list', { app: 'worker', env: 'prod' }, 'Queued as job 100: configuration of worker in prod.'],
    [
      'config worker set LOG_LEVEL=debug MODE=a=b',
      'config',
      { app: 'worker', env: 'prod', set: { LOG_LEVEL: 'debug', MODE: 'a=b' }, unset: [], restart: false },
      'Queued as job 100: set LOG_LEVEL, MODE in worker@prod.',
    ],
    [
      'config worker prod set log_level=x unset OLD',
      'config',
      { app: 'worker', env: 'prod', set: { log_level: 'x' }, unset: ['OLD'], restart: false },
      'Queued as job 100: set log_level; unset OLD in worker@prod.',
    ],
    [
      'config cache prod --restart',
      'config',
      { app: 'cache', env: 'prod', set: {}, unset: [], restart: true },
      'Queued as job 100: restart in cache@prod (protected: through a pull request).',
    ],
    [
      'config worker set EMPTY=',
      'config',
      { app: 'worker', env: 'prod', set: { EMPTY: '' }, unset: [], restart: false },
      'Queued as job 100: set EMPTY in worker@prod.',
    ],
  ])('%j queues %s', async (line, kind, payload, reply) => {
    const { router, queues } = setup();
    const outcome = await router.handle(command(line));
    expect(outcome.message.text).toBe(reply);
    expect(queues.queued).toEqual([expect.objectContaining({ kind, payload })]);
  });

  it.each([
    ['config worker set DB_PASSWORD=x', 'DB_PASSWORD looks like a secret'],
    ['config worker set db.token=x', 'db.token looks like a secret'],
    ['config worker set 9LIVES=x', 'is not a valid configuration key'],
    ['config worker set X=1 unset X', 'X is named twice'],
    ['config worker set', 'set needs at least one KEY=VALUE'],
    ['config worker log_level=x', 'say "set" before log_level='],
    ['config worker --restart', "--restart does not apply to worker@prod: a change to a container's env: restarts its pods by itself"],
    ['config cache staging', 'cache@staging does not say where its configuration lives'],
    ['config cache set A=1', 'cache has several environments'],
  ])('%j is refused with the reason and the usage, nothing queued', async (line, reply) => {
    const { router, queues } = setup();
    const outcome = await router.handle(command(line));
    expect(outcome.kind).toBe('rejected');
    expect(outcome.message.text).toContain(reply);
    expect(outcome.message.text).toContain('Usage: /config <app> [env]');
    expect(queues.queued).toHaveLength(0);
  });

  it('needs the config action on the app and environment', async () => {
    const { router, queues } = setup();
    const outcome = await router.handle(command('config worker set A=1', bob));
    expect(outcome.message.text).toMatch(/^Denied: console:bob may not config on app worker, environment prod/);
    expect(queues.queued).toHaveLength(0);
  });
});
