import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_TIMEOUT } from './leaks.js';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir, writeConfig } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * Names that every plain object answers (`__proto__`, `constructor`, `toString`) typed where an
 * app, environment or stack goes: the same "no such …" reply as any unknown name, nothing queued,
 * never "Something went wrong". Driven through the CLI, as someone allowed everything.
 */
describe('inherited names are not config entries', { timeout: SUITE_TIMEOUT }, () => {
  let redis: TestRedis;
  let client: Redis;
  let env: NodeJS.ProcessEnv;
  const config = writeConfig(
    stringify({
      gitops: { url: tempDir('opsbot-gitops-unused-') },
      apps: {
        web: {
          image: 'ghcr.io/example/web',
          environments: {
            staging: { kind: 'kustomize', path: 'web/staging/kustomization.yaml' },
            prod: { kind: 'kustomize', path: 'web/prod/kustomization.yaml' },
          },
        },
      },
      stacks: { core: { repo: tempDir('opsbot-stack-unused-'), dir: 'infra', approvers: ['console:bob'] } },
      access: { rules: [{ subjects: ['console:boss'], actions: ['*'] }] },
    }),
  );

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: tempDir('opsbot-home-') });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const exec = (line: string) => runOpsbot(['console', '--no-workers', '--as', 'boss', '--exec', line], { env, timeoutMs: 60_000 });

  it.each([
    ['/deploy __proto__ 1.0.0 prod', 'Unknown app "__proto__".'],
    ['/deploy constructor 1.0.0 prod', 'Unknown app "constructor".'],
    ['/deploy toString 1.0.0', 'Unknown app "toString".'],
    ['/deploy web 1.0.0 __proto__', 'web has no environment "__proto__".'],
    ['/deploy web 1.0.0 constructor', 'web has no environment "constructor".'],
    ['/deploy web 1.0.0 hasOwnProperty', 'web has no environment "hasOwnProperty".'],
    ['/rollback web valueOf', 'web has no environment "valueOf".'],
    ['/rollback constructor prod', 'Unknown app "constructor".'],
    ['/status web __proto__', 'web has no environment "__proto__".'],
    ['/history constructor prod', 'Unknown app "constructor".'],
    ['/infra plan constructor', 'There is no stack "constructor".'],
    ['/infra plan toString', '"toString" is not a stack name'],
    ['/infra plan __proto__', '"__proto__" is not a stack name'],
  ])('%s → the normal reply, nothing queued', async (line, reply) => {
    const before = await client.get('opsbot:jobs:seq');
    const res = await exec(line);
    expect(res.stdout + res.stderr).not.toContain('Something went wrong');
    expect(res.stdout, res.stderr).toContain(reply);
    expect(await client.get('opsbot:jobs:seq')).toBe(before);
    expect(await client.keys('bull:*:wait')).toEqual([]);
  });
});
