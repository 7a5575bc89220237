import { describe, expect, it } from 'vitest';
import { configSchema } from '../core/config/schema.js';
import { describeWatches, watchTargets } from './watch-targets.js';

const config = (routes: unknown[]) =>
  configSchema.parse({
    apps: {
      web: {
        image: 'ghcr.io/example/web',
        environments: {
          staging: { kind: 'kustomize', path: 'a.yaml', watch: { tags: '^1.5.0' } },
          dev: { kind: 'kustomize', path: 'b.yaml', watch: { tags: { regex: '^1\\.' }, mode: 'auto', interval: '30s', notify: 'slack:C0DEV' } },
          prod: { kind: 'kustomize', path: 'c.yaml', protected: true },
        },
      },
    },
    notifications: { routes },
  });

describe('watchTargets', () => {
  it('one per watched environment, with the defaults: propose every 5 min', () => {
    const [staging, dev] = watchTargets(config([]));
    expect(staging).toMatchObject({
      app: 'web',
      env: 'staging',
      image: 'ghcr.io/example/web',
      rule: { kind: 'semver', range: '^1.5.0' },
      watch: { mode: 'propose', interval: 300_000 },
      destination: 'console',
    });
    expect(dev).toMatchObject({ env: 'dev', rule: { kind: 'regex' }, watch: { mode: 'auto', interval: 30_000 }, destination: 'slack:C0DEV' });
    expect(watchTargets(config([])).map((t) => t.env)).toEqual(['staging', 'dev']);
  });

  it("goes to the app's conversation: the first route of its Application, else the first route", () => {
    const routes = [
      { apps: ['api'], triggers: ['on-deployed'], to: ['slack:C0API'] },
      { apps: ['web'], triggers: ['on-deployed'], to: ['telegram:-1001', 'slack:C0WEB'] },
    ];
    expect(watchTargets(config(routes))[0]!.destination).toBe('telegram:-1001');
    expect(describeWatches(config(routes))).toEqual([
      '    web@staging: tags ^1.5.0, proposed (polled every 5 min) → telegram:-1001',
      '    web@dev: tags /^1\\./, deployed (polled every 30 s) → slack:C0DEV',
    ]);
    expect(watchTargets(config([routes[0]]))[0]!.destination).toBe('slack:C0API');
  });
});

describe('watch config', () => {
  it('a digest watch on a Helm values tag key is refused: every deploy would be', () => {
    const res = configSchema.safeParse({
      apps: {
        api: {
          image: 'ghcr.io/example/api',
          environments: { dev: { kind: 'helm-values', path: 'values.yaml', watch: { tags: { digestOf: 'latest' } } } },
        },
      },
    });
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]).toMatchObject({
      path: ['apps', 'api', 'environments', 'dev', 'watch', 'tags'],
      message: expect.stringContaining('"key" (image.tag) takes a tag'),
    });
  });

  it('an interval under a second, or a tag that is not one, is refused', () => {
    const parse = (watch: unknown) =>
      configSchema.safeParse({
        apps: { web: { image: 'ghcr.io/example/web', environments: { dev: { kind: 'kustomize', path: 'k.yaml', watch } } } },
      });
    expect(parse({ tags: '^1', interval: '500ms' }).error?.issues[0]?.message).toBe('must be at least 1s');
    expect(parse({ tags: { digestOf: '../x' } }).error?.issues[0]?.message).toBe('"../x" is not a valid tag');
  });
});
