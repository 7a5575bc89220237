import { describe, expect, it } from 'vitest';
import { ArgocdError } from '../../argocd/errors.js';
import type { Message } from '../../core/message.js';
import { parseGroupDeployMessage } from '../../gitops/deploy-message.js';
import { BOTS_CONFIG, config, FakeArgoCd, FakeGitopsRepo, FakePullRequests, FakeReviews, jobContext } from '../../../test/support/fakes.js';
import type { ArgoCd, ImageRegistry } from '../seams.js';
import { deployGroupJob, type DeployGroupPayload } from './deploy-group.js';

const manifest = (tag: string) =>
  `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: bot\n          image: ghcr.io/example/bot:${tag}\n`;
const BOTS: DeployGroupPayload = { apps: ['bot-mat', 'bot-prod'], env: 'prod', ref: '1.5.0', group: 'bots' };

/** Argo CD with an outcome per Application: what each app's follow-up ends with. */
class PerAppArgoCd extends FakeArgoCd {
  failing = new Set<string>();
  override async followDeploy(req: Parameters<ArgoCd['followDeploy']>[0]): Promise<Message> {
    this.followed.push(req);
    await req.progress({ status: 'progress', title: req.application, fields: [{ label: 'Stages', value: 'committed → synced' }] });
    if (this.failing.has(req.application)) throw new ArgocdError('E_DEPLOY_FAILED', `${req.application}: the sync failed`);
    return {
      status: 'success',
      title: req.application,
      text: `${req.application} runs ${req.revision.slice(0, 7)}: synced and healthy`,
      code: `${req.application}-1  1/1  Running`,
    };
  }
}

const DIGEST = `sha256:${'9f'.repeat(32)}`;

/** A registry that knows one digest for every tag, and counts the questions. */
class CountingRegistry implements ImageRegistry {
  readonly asked: string[] = [];
  async resolve(image: string, tag: string): Promise<{ digest: string }> {
    this.asked.push(`${image}:${tag}`);
    return { digest: DIGEST };
  }
}

function setup(yaml = BOTS_CONFIG, github = false) {
  const repo = new FakeGitopsRepo({ 'bot-mat/deployment.yaml': manifest('1.4.2'), 'bot-prod/deployment.yaml': manifest('1.4.1') });
  const argocd = new PerAppArgoCd(true);
  const registry = new CountingRegistry();
  const reviews = new FakeReviews();
  const pullRequests = new FakePullRequests(repo);
  const kind = deployGroupJob({ config: config(yaml), repo, argocd, registry, reviews, ...(github ? { pullRequests } : {}) });
  const run = (payload: DeployGroupPayload, id?: string) => {
    const { ctx, reporter } = jobContext('deploy-group', payload, { id });
    return { done: kind.run(ctx), reporter };
  };
  return { repo, argocd, registry, reviews, pullRequests, run };
}

describe('deploy-group job', () => {
  it('one commit for every app, then a follow-up per app from that commit; the answer shows each', async () => {
    const { repo, argocd, run } = setup();
    const { done, reporter } = run(BOTS);
    const message = await done;
    expect(repo.commits).toHaveLength(1);
    const [commit] = repo.commits;
    expect(parseGroupDeployMessage(commit!.message)).toMatchObject({ apps: ['bot-mat', 'bot-prod'], ref: '1.5.0', env: 'prod', jobId: '7-0badc0de' });
    expect(repo.files['bot-mat/deployment.yaml']).toBe(manifest('1.5.0'));
    expect(repo.files['bot-prod/deployment.yaml']).toBe(manifest('1.5.0'));
    expect(argocd.followed.map((f) => [f.application, f.revision])).toEqual([
      ['bot-mat-prod', commit!.sha],
      ['bot-prod-prod', commit!.sha],
    ]);
    // While following, the one message shows where each app stands.
    const progress = reporter.said.filter((s) => s.kind === 'progress').map((s) => s.message);
    expect(progress.some((m) => m.fields?.length === 2 && m.fields.every((f) => f.value === 'committed → synced'))).toBe(true);
    expect(message.status).toBe('success');
    expect(message.title).toBe('Deployed bots (bot-mat, bot-prod) in prod: 1.5.0, one commit');
    expect(message.fields).toEqual([
      { label: 'Commit', value: commit!.sha.slice(0, 12) },
      { label: 'bot-mat', value: `1.4.2 → 1.5.0 — bot-mat-prod runs ${commit!.sha.slice(0, 7)}: synced and healthy` },
      { label: 'bot-prod', value: `1.4.1 → 1.5.0 — bot-prod-prod runs ${commit!.sha.slice(0, 7)}: synced and healthy` },
    ]);
    expect(message.code).toBe('bot-mat\nbot-mat-prod-1  1/1  Running\n\nbot-prod\nbot-prod-prod-1  1/1  Running');
  });

  it('an app already at the tag is not followed; all at the tag: no commit', async () => {
    const { repo, argocd, run } = setup();
    repo.files['bot-prod/deployment.yaml'] = manifest('1.5.0');
    const message = await run(BOTS).done;
    expect(argocd.followed.map((f) => f.application)).toEqual(['bot-mat-prod']);
    expect(message.fields?.find((f) => f.label === 'bot-prod')?.value).toBe('already at 1.5.0');
    expect((await run(BOTS, '8').done).title).toBe('bots (bot-mat, bot-prod) already at 1.5.0 in prod');
    expect(repo.commits).toHaveLength(1);
  });

  it("one app not getting there fails the job, which still lists every app's outcome", async () => {
    const { repo, argocd, run } = setup();
    argocd.failing.add('bot-prod-prod');
    const err = (await run(BOTS).done.catch((e: unknown) => e)) as ArgocdError;
    expect(err.code).toBe('E_DEPLOY_FAILED');
    const sha = repo.commits[0]!.sha;
    expect(err.message).toContain(`Committed ${sha.slice(0, 12)} (bot-mat, bot-prod to 1.5.0 in prod), but not every app got there:`);
    expect(err.message).toContain(`bot-mat: 1.4.2 → 1.5.0 — bot-mat-prod runs ${sha.slice(0, 7)}: synced and healthy`);
    expect(err.message).toMatch(/bot-prod: 1\.4\.1 → 1\.5\.0 — failed: .*bot-prod-prod: the sync failed/);
  });

  const PROTECTED_PROD = BOTS_CONFIG.replace(
    'path: bot-prod/deployment.yaml, container: bot',
    'path: bot-prod/deployment.yaml, container: bot, protected: true',
  ).replace('gitops: { url: /srv/gitops.git }', 'gitops: { url: /srv/gitops.git, github: { owner: org, repo: gitops } }');

  it('a protected member without GitHub to open a pull request: refused, nothing committed', async () => {
    const { repo, run } = setup(PROTECTED_PROD);
    await expect(run(BOTS).done).rejects.toMatchObject({ code: 'E_PROTECTED', userMessage: expect.stringContaining('needs gitops.github') });
    expect(repo.commits).toHaveLength(0);
  });

  it('a protected member: the whole group is one commit on one review branch and one pull request, recorded with every app', async () => {
    const { repo, argocd, reviews, pullRequests, run } = setup(PROTECTED_PROD, true);
    const message = await run(BOTS, '12').done;
    expect(repo.commits.map((c) => c.branch)).toEqual(['opsbot/bots-prod-1.5.0']);
    expect(repo.files['bot-mat/deployment.yaml']).toBe(manifest('1.4.2')); // main untouched until the merge
    expect(pullRequests.opened).toEqual([
      expect.objectContaining({ head: 'opsbot/bots-prod-1.5.0', base: 'main', title: 'deploy(bot-mat,bot-prod): 1.5.0 [prod]' }),
    ]);
    expect(pullRequests.opened[0]!.body).toContain('bot-mat: 1.4.2 → 1.5.0\nbot-prod: 1.4.1 → 1.5.0');
    expect(reviews.reviews.get('12')).toMatchObject({
      app: 'bots',
      apps: ['bot-mat', 'bot-prod'],
      env: 'prod',
      ref: '1.5.0',
      headSha: repo.commits[0]!.sha,
    });
    expect(argocd.followed).toHaveLength(0);
    expect(message.buttons?.map((b) => b.action)).toEqual([
      { command: 'deploy approve', args: ['12'] },
      { command: 'deploy reject', args: ['12'] },
    ]);
  });

  it('a comma list with a protected member: its branch names the apps', async () => {
    const { repo, run } = setup(PROTECTED_PROD, true);
    await run({ apps: ['bot-prod', 'bot-mat'], env: 'prod', ref: '1.5.0' }).done;
    expect(repo.commits.map((c) => c.branch)).toEqual(['opsbot/bot-prod_bot-mat-prod-1.5.0']);
  });

  it('pin: digest — one image in two apps is asked of the registry once; both files get the digest, the body names it', async () => {
    const { repo, registry, run } = setup(BOTS_CONFIG.replaceAll('container: bot }', 'container: bot, pin: digest }'));
    const message = await run(BOTS).done;
    expect(registry.asked).toEqual(['ghcr.io/example/bot:1.5.0']);
    expect(repo.files['bot-mat/deployment.yaml']).toContain(`image: ghcr.io/example/bot@${DIGEST}`);
    expect(repo.files['bot-prod/deployment.yaml']).toContain(`image: ghcr.io/example/bot@${DIGEST}`);
    expect(repo.commits[0]!.message).toContain(
      `bot-mat: 1.4.2 → ${DIGEST}\nbot-prod: 1.4.1 → ${DIGEST}\n\nDigests:\nbot-mat: ghcr.io/example/bot:1.5.0@${DIGEST}\nbot-prod: ghcr.io/example/bot:1.5.0@${DIGEST}\n`,
    );
    expect(message.fields?.[1]).toMatchObject({ label: 'bot-mat', value: expect.stringMatching(/^1\.4\.2 → 1\.5\.0 \(sha256:9f9f9f9f9f9f…\)/) });
  });
});
