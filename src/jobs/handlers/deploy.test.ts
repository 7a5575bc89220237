import { describe, expect, it } from 'vitest';
import { ArgocdError } from '../../argocd/errors.js';
import { parseDeployMessage } from '../../gitops/deploy-message.js';
import { config, FakeArgoCd, FakeGitopsRepo, FakePullRequests, FakeReviews, jobContext } from '../../../test/support/fakes.js';
import { RegistryError } from '../../registry/errors.js';
import { deployJob, type DeployPayload } from './deploy.js';

const CONFIG = config(`
gitops: { url: /srv/gitops.git, webUrl: "https://github.example/org/gitops", github: { owner: org, repo: gitops } }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml }
      prod: { kind: kustomize, path: apps/web/prod/kustomization.yaml, protected: true }
argocd: { followTimeout: 2m }
`);
const kustomization = (tag: string) => `images:\n  - name: ghcr.io/example/web\n    newTag: "${tag}"\n`;

function setup(opts: { connected?: boolean; pullRequests?: boolean } = {}) {
  const repo = new FakeGitopsRepo({
    'apps/web/staging/kustomization.yaml': kustomization('1.4.3'),
    'apps/web/prod/kustomization.yaml': kustomization('1.4.3'),
  });
  const argocd = new FakeArgoCd(opts.connected ?? true);
  const pullRequests = new FakePullRequests(repo);
  const reviews = new FakeReviews();
  const kind = deployJob({ config: CONFIG, repo, argocd, reviews, ...(opts.pullRequests === false ? {} : { pullRequests }) });
  const run = (payload: DeployPayload, id?: string) => {
    const { ctx, reporter } = jobContext('deploy', payload, { id });
    return { done: kind.run(ctx), reporter };
  };
  return { repo, argocd, pullRequests, reviews, kind, run };
}

describe('deploy job', () => {
  it('commits the tag change, then follows Argo CD to that commit and reports both', async () => {
    const { repo, argocd, run } = setup();
    const { done, reporter } = run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' });
    const message = await done;
    expect(repo.commits).toHaveLength(1);
    const [commit] = repo.commits;
    expect(commit!.jobId).toBe('7-0badc0de');
    expect(parseDeployMessage(commit!.message)).toMatchObject({
      verb: 'deploy',
      app: 'web',
      env: 'staging',
      from: '1.4.3',
      to: '1.5.0',
      requestedBy: { name: 'alice', platform: 'console', id: 'alice' },
    });
    expect(repo.files['apps/web/staging/kustomization.yaml']).toContain('newTag: "1.5.0"');
    expect(reporter.progressTexts().slice(0, 2)).toEqual([
      'Deploying web in staging: waiting for the GitOps repository…',
      'Deploying web to 1.5.0 in staging: committing…',
    ]);
    expect(argocd.followed[0]).toMatchObject({
      application: 'web-staging',
      revision: commit!.sha,
      timeoutMs: 120_000,
      repoWebUrl: 'https://github.example/org/gitops',
    });
    expect(message.title).toBe('Deployed web in staging: 1.4.3 → 1.5.0');
    expect(message.fields?.map((f) => f.label)).toEqual(['Commit', 'File', 'Stages', 'Pods ready']);
    expect(message.fields?.[0]?.value).toBe(`https://github.example/org/gitops/commit/${commit!.sha}`);
    expect(message.code).toBe('web-1  1/1  Running');
  });

  it('says "already at" and neither commits nor follows when the file holds the tag', async () => {
    const { repo, argocd, run } = setup();
    const message = await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.4.3' }).done;
    expect(message).toEqual({ status: 'success', title: 'web is already at 1.4.3 in staging', text: 'already at 1.4.3: nothing to commit.' });
    expect(repo.commits).toHaveLength(0);
    expect(argocd.followed).toHaveLength(0);
  });

  it('ends at the commit without a cluster, and says why', async () => {
    const { argocd, run } = setup({ connected: false });
    const message = await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }).done;
    expect(message.context).toBe('Argo CD follow-up skipped: not connected to a cluster (set KUBECONFIG).');
    expect(argocd.followed).toHaveLength(0);
  });

  it('keeps the commit in the story when Argo CD does not get there', async () => {
    const { argocd, repo, run } = setup();
    argocd.followResult = new ArgocdError('E_DEPLOY_FAILED', 'web-staging 0123456: the sync failed');
    const failed = run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }).done;
    await expect(failed).rejects.toMatchObject({ code: 'E_DEPLOY_FAILED' });
    const err = (await failed.catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `Deployed web in staging: 1.4.3 → 1.5.0 — committed ${repo.commits[0]!.sha.slice(0, 12)}, but Argo CD did not get there: web-staging 0123456: the sync failed`,
    );
  });

  it('a retried job that finds its commit says so instead of committing again', async () => {
    const { repo, run } = setup({ connected: false });
    await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }).done;
    const again = await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' }).done;
    expect(repo.commits).toHaveLength(1);
    expect(again.title).toBe('Deployed web in staging: committed earlier by this job');
    expect(again.text).toBe('This job had already pushed its commit before it was interrupted; nothing new was committed.');
  });

  it('rolls back to the tag before the current one, found in the history', async () => {
    const { repo, run } = setup({ connected: false });
    repo.previous = '1.4.0';
    const { done, reporter } = run({ verb: 'rollback', app: 'web', env: 'staging' });
    const message = await done;
    expect(message.title).toBe('Rolled back web in staging: 1.4.3 → 1.4.0');
    expect(parseDeployMessage(repo.commits[0]!.message)).toMatchObject({ verb: 'rollback', from: '1.4.3', to: '1.4.0' });
    expect(reporter.progressTexts()[1]).toBe('Rolling back web to 1.4.0 in staging: committing…');
  });

  it('refuses a rollback with no earlier tag, committing nothing', async () => {
    const { repo, run } = setup();
    await expect(run({ verb: 'rollback', app: 'web', env: 'staging' }).done).rejects.toMatchObject({ code: 'E_NO_PREVIOUS' });
    expect(repo.commits).toHaveLength(0);
  });

  it('a protected environment gets a review branch, a pull request and Approve / Reject', async () => {
    const { repo, pullRequests, reviews, argocd, run } = setup();
    const message = await run({ verb: 'deploy', app: 'web', env: 'prod', ref: '1.5.0' }, '12').done;
    expect(repo.commits.map((c) => c.branch)).toEqual(['opsbot/web-prod-1.5.0']);
    expect(repo.files['apps/web/prod/kustomization.yaml']).toContain('1.4.3'); // main is untouched
    expect(pullRequests.opened[0]).toMatchObject({ head: 'opsbot/web-prod-1.5.0', base: 'main', title: 'deploy(web): 1.4.3 → 1.5.0 [prod]' });
    expect(pullRequests.opened[0]?.body).toContain('Opened by opsbot for alice; approve or reject it in the chat.');
    expect(reviews.reviews.get('12')).toMatchObject({
      app: 'web',
      env: 'prod',
      ref: '1.5.0',
      branch: 'opsbot/web-prod-1.5.0',
      pr: 42,
      headSha: repo.commits[0]!.sha,
      requester: 'console:alice',
      state: 'pending',
    });
    expect(message.title).toBe('Pull request #42: deploy(web): 1.4.3 → 1.5.0 [prod]');
    expect(message.text).toBe('prod is protected: someone allowed to deploy there (not alice) approves to merge, or rejects to close it.');
    expect(message.buttons?.map((b) => [b.label, b.action])).toEqual([
      ['Approve', { command: 'deploy approve', args: ['12'] }],
      ['Reject', { command: 'deploy reject', args: ['12'] }],
    ]);
    expect(argocd.followed).toHaveLength(0);
  });

  it('a pull request whose head is not the pushed commit is closed, its branch deleted, and nothing is up for review', async () => {
    const { repo, pullRequests, reviews, run } = setup();
    pullRequests.state = { headSha: 'a'.repeat(40) }; // someone pushed between our push and the pull request
    const done = run({ verb: 'deploy', app: 'web', env: 'prod', ref: '1.5.0' }, '12').done;
    await expect(done).rejects.toMatchObject({ code: 'E_HEAD_CHANGED' });
    await expect(done).rejects.toThrow(
      `Refused: branch opsbot/web-prod-1.5.0 of pull request #42 now points at aaaaaaaaaaaa, not at ${repo.commits[0]!.sha.slice(0, 12)}, the commit opsbot pushed`,
    );
    expect(pullRequests.closed).toEqual([42]);
    expect(repo.deleted).toEqual(['opsbot/web-prod-1.5.0']);
    expect(reviews.reviews.size).toBe(0);
    expect(pullRequests.merged).toHaveLength(0);
  });

  it('refuses a protected environment without gitops.github, before touching the repository', async () => {
    const { repo, run } = setup({ pullRequests: false });
    await expect(run({ verb: 'deploy', app: 'web', env: 'prod', ref: '1.5.0' }).done).rejects.toMatchObject({ code: 'E_PROTECTED' });
    expect(repo.commits).toHaveLength(0);
  });

  it('an app gone from the configuration fails at once', async () => {
    const { run } = setup();
    await expect(run({ verb: 'deploy', app: 'api', env: 'prod', ref: '1.0' }).done).rejects.toMatchObject({ code: 'E_UNKNOWN_APP' });
  });

  it('is retried only on a refused push, and runs more at once than other kinds', () => {
    const { kind } = setup();
    expect(kind).toMatchObject({ idempotent: true, attempts: 5, retryOn: ['E_PUSH_REFUSED'], concurrency: 16 });
    expect(kind.answers?.E_HEAD_CHANGED).toBe('refused');
  });
});

describe('deploy job with pin: digest', () => {
  const PINNED = config(`
gitops: { url: /srv/gitops.git }
apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml, pin: digest }
`);
  const D1 = `sha256:${'1'.repeat(64)}`;
  const D2 = `sha256:${'2'.repeat(64)}`;

  function pinned() {
    const repo = new FakeGitopsRepo({ 'apps/web/staging/kustomization.yaml': kustomization('1.4.3') });
    const asked: string[] = [];
    const registry = {
      resolve: async (image: string, tag: string) => {
        asked.push(`${image}:${tag}`);
        return { digest: D1 };
      },
    };
    const kind = deployJob({ config: PINNED, repo, argocd: new FakeArgoCd(false), reviews: new FakeReviews(), registry });
    const run = (payload: DeployPayload) => kind.run(jobContext('deploy', payload).ctx);
    return { repo, asked, run };
  }

  it('writes the digest the registry gives for the tag; the message keeps the tag', async () => {
    const { repo, asked, run } = pinned();
    const message = await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' });
    expect(asked).toEqual(['ghcr.io/example/web:1.5.0']);
    expect(repo.files['apps/web/staging/kustomization.yaml']).toContain(`digest: "${D1}"`);
    expect(parseDeployMessage(repo.commits[0]!.message)).toMatchObject({ from: '1.4.3', to: D1 });
    expect(repo.commits[0]!.message).toContain(`Tag: 1.5.0\nImage: ghcr.io/example/web:1.5.0@${D1}`);
    expect(message.title).toBe(`Deployed web in staging: 1.4.3 → 1.5.0 (${D1.slice(0, 19)}…)`);
  });

  it('tag@digest: deployed when the registry agrees, refused (nothing committed) when not', async () => {
    const { repo, run } = pinned();
    await expect(run({ verb: 'deploy', app: 'web', env: 'staging', ref: `1.5.0@${D2}` })).rejects.toMatchObject({
      code: 'E_DIGEST_MISMATCH',
      message: expect.stringContaining(`is ${D1} in the registry, not ${D2}`),
    });
    expect(repo.commits).toHaveLength(0);
    await run({ verb: 'deploy', app: 'web', env: 'staging', ref: `1.5.0@${D1}` });
    expect(repo.commits).toHaveLength(1);
  });

  it('a bare digest is written as it is, without asking the registry', async () => {
    const { repo, asked, run } = pinned();
    await run({ verb: 'deploy', app: 'web', env: 'staging', ref: D2 });
    expect(repo.files['apps/web/staging/kustomization.yaml']).toContain(`digest: "${D2}"`);
    expect(asked).toEqual([]);
  });

  it('tag not found, a digest mismatch and a refusal are answers, not failed jobs', () => {
    const kind = deployJob({ config: PINNED, repo: new FakeGitopsRepo({}), argocd: new FakeArgoCd(false), reviews: new FakeReviews() });
    expect(kind.answers).toMatchObject({ E_TAG_NOT_FOUND: 'refused', E_DIGEST_MISMATCH: 'refused', E_REGISTRY_AUTH: 'refused' });
  });
});

describe('deploy job with verify.cosign', () => {
  const VERIFIED = config(`
gitops: { url: /srv/gitops.git }
apps:
  web:
    image: ghcr.io/example/web
    verify: { cosign: { key: keys/web.pub } }
    environments:
      staging: { kind: kustomize, path: apps/web/staging/kustomization.yaml, pin: digest }
`);
  const SIGNED = `sha256:${'5'.repeat(64)}`;
  const UNSIGNED = `sha256:${'6'.repeat(64)}`;

  function verified() {
    const repo = new FakeGitopsRepo({ 'apps/web/staging/kustomization.yaml': kustomization('1.4.3') });
    const checked: string[] = [];
    const registry = { resolve: async (_image: string, tag: string) => ({ digest: tag === '1.5.0' ? SIGNED : UNSIGNED }) };
    // Stands in for CosignVerifier (the real cosign is proven in test/registry/signatures.test.ts).
    const signatures = {
      verify: async (image: string, digest: string, v: { cosign: { key: string } }) => {
        checked.push(`${image}@${digest} ${v.cosign.key}`);
        if (digest !== SIGNED) throw new RegistryError('E_IMAGE_UNSIGNED', `${image}@${digest} has no cosign signature`);
        return { fingerprint: 'SHA256:fp' };
      },
    };
    const kind = deployJob({ config: VERIFIED, repo, argocd: new FakeArgoCd(false), reviews: new FakeReviews(), registry, signatures });
    const notes: string[] = [];
    const run = (payload: DeployPayload) => kind.run({ ...jobContext('deploy', payload).ctx, note: (d) => notes.push(d) });
    return { repo, checked, notes, kind, run };
  }

  it('the resolved digest is checked before the commit; reply, commit body and audit note name the key', async () => {
    const { repo, checked, notes, run } = verified();
    const message = await run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.5.0' });
    expect(checked).toEqual([`ghcr.io/example/web@${SIGNED} keys/web.pub`]);
    expect(repo.commits[0]!.message).toContain(
      `Tag: 1.5.0\nImage: ghcr.io/example/web:1.5.0@${SIGNED}\nSignature: verified by cosign with key SHA256:fp (keys/web.pub)`,
    );
    expect(message.fields).toContainEqual({ label: 'Signature', value: 'verified by cosign with key SHA256:fp (keys/web.pub)' });
    expect(notes).toEqual([`1.5.0 ghcr.io/example/web@${SIGNED}: signature verified by cosign with key SHA256:fp (keys/web.pub)`]);
  });

  it('unsigned: refused (an answer, not a failure), nothing committed', async () => {
    const { repo, kind, run } = verified();
    await expect(run({ verb: 'deploy', app: 'web', env: 'staging', ref: '1.6.0' })).rejects.toMatchObject({ code: 'E_IMAGE_UNSIGNED' });
    expect(repo.commits).toHaveLength(0);
    expect(kind.answers).toMatchObject({ E_IMAGE_UNSIGNED: 'refused', E_SIGNATURE_INVALID: 'refused' });
  });
});
