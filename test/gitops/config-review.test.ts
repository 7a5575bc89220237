import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { startGitHubApi, type GitHubApiDouble } from '../support/github-api.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBareRepo, git, type BareRepo } from './bare-repo.js';

const TOKEN = 'ghp_configreview0123456789abcdefghijklmn';
const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
configMapGenerator:
  - name: web-config
    literals:
      - LOG_LEVEL=info # prod default
images:
  - name: ghcr.io/example/web
    newTag: "1.4.2"
`;

/** A protected environment's configuration changes through a pull request, as its deploys do (GitHub stand-in). */
describe('/config on a protected environment goes through a pull request', () => {
  let redis: TestRedis;
  let repo: BareRepo;
  let github: GitHubApiDouble;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedis();
    repo = await createBareRepo({ 'apps/web/overlays/prod/kustomization.yaml': KUSTOMIZATION });
    github = await startGitHubApi({ token: TOKEN, repos: { 'example/gitops': repo.bare } });
    const config = writeConfig(`
gitops:
  url: ${repo.bare}
  github: { owner: example, repo: gitops }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      prod:
        kind: kustomize
        path: apps/web/overlays/prod/kustomization.yaml
        protected: true
        config: { kind: kustomize-literals, path: apps/web/overlays/prod/kustomization.yaml }
access:
  rules:
    - subjects: ["console:alice", "console:bob"]
      actions: [config]
    - subjects: ["console:carol"]
      actions: [deploy]
`);
    env = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, OPSBOT_HOME: join(repo.root, 'home'), GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
  });
  afterAll(async () => {
    await github.close();
    await redis.close();
    await repo.cleanup();
  });

  const chat = (line: string, as: string) => runOpsbot(['console', '--as', as, '--exec', line], { env, timeoutMs: 60_000 });
  const main = () => git(repo.bare, 'rev-parse', 'main');

  it('opens a PR of the one-line change; only someone else allowed to change config approves; approval merges it', async () => {
    const before = await main();
    const asked = await chat('/config web set LOG_LEVEL=debug', 'alice');
    expect(asked.code, asked.stdout + asked.stderr).toBe(0);
    const [, id] = /Queued as job (\d+)/.exec(asked.stdout)!;
    expect(asked.stdout).toContain('✔ Pull request #1: config(web): set LOG_LEVEL [prod]');
    expect(asked.stdout).toContain(`[Approve: deploy approve ${id}] [Reject: deploy reject ${id}]`);
    expect(await main()).toBe(before);
    const branch = `opsbot/web-prod-config-${id}`;
    expect(await git(repo.bare, 'diff', '--numstat', 'main', branch)).toBe('1\t1\tapps/web/overlays/prod/kustomization.yaml');
    expect(github.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /repos/example/gitops/pulls']);

    const self = await chat(`/deploy approve ${id}`, 'alice');
    expect(self.code).toBe(2);
    expect(self.stdout).toContain('you asked for this change; someone else must approve it');
    const deployer = await chat(`/deploy approve ${id}`, 'carol');
    expect(deployer.code).toBe(2);
    expect(deployer.stdout).toContain('console:carol may not config on app web, environment prod');
    expect(await main()).toBe(before);

    const approved = await chat(`/deploy approve ${id}`, 'bob');
    expect(approved.code, approved.stdout).toBe(0);
    expect(await main()).not.toBe(before);
    expect(await repo.show('apps/web/overlays/prod/kustomization.yaml')).toBe(KUSTOMIZATION.replace('LOG_LEVEL=info', 'LOG_LEVEL=debug'));
    expect(await git(repo.bare, 'log', '--format=%B', 'main')).toContain('Requested-by: alice (console:alice)');
  }, 240_000);
});
