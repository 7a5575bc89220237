import { describe, expect, it } from 'vitest';
import { config, FakeArgoCd, FakeGitopsRepo, FakePullRequests, FakeReviews, jobContext } from '../../../test/support/fakes.js';
import { configListJob } from './config-list.js';
import { configJob, type ConfigPayload } from './config.js';

const CONFIG = config(`
gitops: { url: /srv/gitops.git, github: { owner: org, repo: gitops } }
apps:
  worker:
    image: ghcr.io/example/worker
    environments:
      prod:
        kind: manifest
        path: apps/worker/deployment.yaml
        container: worker
        config: { kind: configmap, path: apps/worker/deployment.yaml, restart: { path: apps/worker/deployment.yaml, workload: worker } }
      secure:
        kind: manifest
        path: apps/worker/deployment.yaml
        container: worker
        protected: true
        config: { kind: env, path: apps/worker/deployment.yaml, container: worker }
`);
const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata: { name: worker-config }
data:
  LOG_LEVEL: info
  API_KEY: abc
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: worker }
spec:
  template:
    metadata:
      labels:
        app: worker
    spec:
      containers:
        - name: worker
          image: ghcr.io/example/worker:1
          env:
            - name: MODE
              value: fast
`;

function setup() {
  const repo = new FakeGitopsRepo({ 'apps/worker/deployment.yaml': MANIFEST });
  const argocd = new FakeArgoCd(true);
  const pullRequests = new FakePullRequests(repo);
  const reviews = new FakeReviews();
  const kind = configJob({ config: CONFIG, repo, argocd, reviews, pullRequests });
  const run = (payload: Partial<ConfigPayload>, id = '7') =>
    kind.run(jobContext('config', { app: 'worker', env: 'prod', set: {}, unset: [], restart: false, ...payload }, { id }).ctx);
  return { repo, argocd, pullRequests, reviews, run };
}

describe('config job', () => {
  it('commits the change, follows Argo CD to that commit, and says a ConfigMap change restarts nothing', async () => {
    const { repo, argocd, run } = setup();
    const message = await run({ set: { LOG_LEVEL: 'debug' } });
    expect(repo.commits).toHaveLength(1);
    expect(repo.commits[0]!.message).toMatch(
      /^config\(worker\): set LOG_LEVEL \[prod\]\n\nLOG_LEVEL: info → debug\n\nRequested-by: alice \(console:alice\)\n/,
    );
    expect(argocd.followed[0]).toMatchObject({ application: 'worker-prod', revision: repo.commits[0]!.sha });
    expect(message.title).toBe('Configured worker in prod: set LOG_LEVEL');
    expect(message.text).toMatch(/^A ConfigMap change alone does not restart pods.*\/config worker prod --restart/);
    expect(message.buttons).toEqual([{ action: { command: 'config', args: ['worker', 'prod', '--restart'] }, label: 'Restart pods' }]);
    expect(message.fields?.map((f) => f.label)).toEqual(['Commit', 'File', 'Changed', 'Stages', 'Pods ready']);
  });

  it('--restart bumps the pod template in the same commit; nothing to change is no commit', async () => {
    const { repo, run } = setup();
    const message = await run({ set: { LOG_LEVEL: 'info' }, restart: true });
    expect(repo.files['apps/worker/deployment.yaml']).toMatch(/ {6}annotations:\n {8}kubectl\.kubernetes\.io\/restartedAt: "\d{4}-[^"]+Z"\n/);
    expect(message.text).toContain('Restarting Deployment/worker');
    const none = await run({ set: { LOG_LEVEL: 'info' } }, '8');
    expect(none.title).toBe('Nothing to change in worker prod');
    expect(repo.commits).toHaveLength(1);
  });

  it('a protected environment gets a pull request whose approval needs the config action', async () => {
    const { repo, pullRequests, reviews, run } = setup();
    const message = await run({ env: 'secure', set: { MODE: 'slow' } });
    expect(repo.commits[0]!.branch).toBe('opsbot/worker-secure-config-7');
    expect(pullRequests.opened[0]).toMatchObject({ head: 'opsbot/worker-secure-config-7', title: 'config(worker): set MODE [secure]' });
    expect(reviews.reviews.get('7')).toMatchObject({ action: 'config', app: 'worker', env: 'secure', state: 'pending' });
    expect(message.buttons?.map((b) => b.action)).toEqual([
      { command: 'deploy approve', args: ['7'] },
      { command: 'deploy reject', args: ['7'] },
    ]);
  });

  it('checks keys again where it writes: a payload with a secret-looking key commits nothing', async () => {
    const { repo, run } = setup();
    await expect(run({ set: { DB_PASSWORD: 'x' } })).rejects.toMatchObject({ code: 'E_SECRET_KEY' });
    expect(repo.commits).toHaveLength(0);
  });
});

describe('config-list job', () => {
  it('lists the keys; the value of a key that looks secret is never shown', async () => {
    const { repo } = setup();
    const kind = configListJob({ config: CONFIG, repo });
    const message = await kind.run(jobContext('config-list', { app: 'worker', env: 'prod' }).ctx);
    expect(message.code).toMatch(/^key +value\nLOG_LEVEL +info\nAPI_KEY +•+ \(looks like a secret: not shown\)$/);
    expect(JSON.stringify(message)).not.toContain('abc');
  });
});
