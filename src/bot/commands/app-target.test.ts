import { describe, expect, it } from 'vitest';
import { config, COMMANDS_CONFIG } from '../../../test/support/fakes.js';
import { resolveAppTarget } from './app-target.js';

const CONFIG = config(COMMANDS_CONFIG);
const USAGE = '/deploy <app> <tag> [env]';

describe('resolveAppTarget', () => {
  it('finds the app and environment, and the environment alone when the app has one', () => {
    expect(resolveAppTarget(CONFIG, 'web', 'staging', USAGE)).toMatchObject({
      app: 'web',
      env: 'staging',
      location: { path: 'apps/web/staging/kustomization.yaml' },
    });
    expect(resolveAppTarget(CONFIG, 'api', undefined, USAGE)).toMatchObject({ app: 'api', env: 'prod' });
  });

  it.each([
    ['an unknown app', 'nope', 'prod', 'E_UNKNOWN_APP', 'Unknown app "nope". Known apps: web, api.\nUsage: /deploy <app> <tag> [env]'],
    [
      'a missing environment among several',
      'web',
      undefined,
      'E_USAGE',
      'web has several environments (staging, prod): say which.\nUsage: /deploy <app> <tag> [env]',
    ],
    [
      'an unknown environment',
      'web',
      'qa',
      'E_UNKNOWN_ENV',
      'web has no environment "qa". Its environments: staging, prod.\nUsage: /deploy <app> <tag> [env]',
    ],
  ])('%s is refused with the known names', (_what, app, env, code, message) => {
    expect(() => resolveAppTarget(CONFIG, app, env, USAGE)).toThrow(expect.objectContaining({ code, userMessage: message }));
  });
});
