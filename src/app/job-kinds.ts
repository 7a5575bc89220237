import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ClusterAccess } from '../argocd/cluster-access.js';
import type { LoadedConfig } from '../core/config/load.js';
import type { Logger } from '../core/logger.js';
import type { Redactor } from '../core/redact.js';
import { PullRequests } from '../gitops/pull-requests.js';
import { ReviewStore } from '../gitops/review-store.js';
import { applyJob } from '../jobs/handlers/apply.js';
import { configListJob } from '../jobs/handlers/config-list.js';
import { configJob } from '../jobs/handlers/config.js';
import { deployJob } from '../jobs/handlers/deploy.js';
import { deployGroupJob } from '../jobs/handlers/deploy-group.js';
import { diagnoseJob } from '../jobs/handlers/diagnose.js';
import { driftJob } from '../jobs/handlers/drift.js';
import { forceUnlockJob } from '../jobs/handlers/force-unlock.js';
import { historyJob } from '../jobs/handlers/history.js';
import { notifyJob } from '../jobs/handlers/notify.js';
import { planJob } from '../jobs/handlers/plan.js';
import { planLinkJob } from '../jobs/handlers/plan-link.js';
import { reviewJob } from '../jobs/handlers/review.js';
import { statusJob } from '../jobs/handlers/status.js';
import type { JobKind } from '../jobs/kind.js';
import type { GitopsRepo, ImageSignatures } from '../jobs/seams.js';
import { Outbox } from '../jobs/outbox.js';
import { keyFile } from '../core/config/signature-keys.js';
import { CosignVerifier } from '../registry/cosign.js';
import { RegistryClient } from '../registry/registry-client.js';
import { terraformBinaryFor, type InfraServices } from '../terraform/infra-services.js';
import { DriftMemory } from '../terraform/drift-memory.js';
import { PlanStore } from '../terraform/plan-store.js';
import { ReviewLocks } from '../terraform/review-lock.js';
import { GitHubRepos } from '../terraform/stack-github.js';
import { StackLocks } from '../terraform/stack-lock.js';
import { UnlockRequests } from '../terraform/unlock-requests.js';
import { TerraformStacks } from '../terraform/stack-run.js';
import { gitopsRepository } from './gitops-repository.js';

export interface JobWiring {
  kinds: Map<string, JobKind>;
  /** Shared with the commands: protected-deploy reviews, Terraform plan store and stack locks. */
  reviews: ReviewStore;
  infra: InfraServices;
  /** The process's GitOps repository (apps from annotations read plain-manifest directories there). */
  repo: GitopsRepo;
}

/**
 * Every job kind this process knows, with the services they share. Every process builds them
 * all (the bot enqueues what workers run), but only workers run them.
 */
export async function wireJobKinds(opts: {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Fast-fail connection (small records) and blocking connection (waits out a Redis restart). */
  fast: Redis;
  blocking: Redis;
  cluster: ClusterAccess;
  redactor: Redactor;
  log: Logger;
  /** Seed the embedded default's example GitOps repository (the process that runs workers). */
  seed: boolean;
}): Promise<JobWiring> {
  const { loaded, env, fast, blocking, cluster, log } = opts;
  const { config } = loaded;
  const repo = await gitopsRepository({ loaded, home: opts.home, env, redis: fast, seed: opts.seed, log });
  const reviews = new ReviewStore(fast);
  const github = config.gitops?.github;
  const pullRequests = github
    ? new PullRequests({ owner: github.owner, repo: github.repo, token: env.GITHUB_TOKEN, baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com' })
    : undefined;
  const infra: InfraServices = {
    store: new PlanStore(fast),
    locks: new StackLocks(fast),
    holds: new ReviewLocks(fast),
    unlocks: new UnlockRequests(fast),
    github: new GitHubRepos(env, fast),
    baseDir: loaded.baseDir,
    stateHome: join(opts.home, 'state'),
    terraform: config.terraform,
  };

  const kinds = new Map<string, JobKind>();
  const add = <P>(kind: JobKind<P>) => kinds.set(kind.name, kind as JobKind);
  // The CLI a stack without a `binary` preference would run: what /diagnose reports is what jobs use.
  const tfBinary = () => {
    try {
      return terraformBinaryFor({}, env);
    } catch {
      return undefined;
    }
  };
  add(diagnoseJob({ redis: blocking, tfBinary, tfConfigured: env.TF_BINARY }));
  const registry = new RegistryClient({ env });
  const cosign = new CosignVerifier({ env });
  const signatures: ImageSignatures = {
    verify: (image, digest, verify, signal) => cosign.verify(image, digest, keyFile(verify.cosign.key, loaded.baseDir), signal),
  };
  add(deployJob({ config, repo, pullRequests, reviews, argocd: cluster, registry, signatures }));
  add(deployGroupJob({ config, repo, pullRequests, reviews, argocd: cluster, registry, signatures }));
  add(configJob({ config, repo, pullRequests, reviews, argocd: cluster }));
  add(configListJob({ config, repo }));
  add(reviewJob({ config, reviews, pullRequests, repo, argocd: cluster }));
  add(historyJob({ config, repo }));
  add(statusJob({ config, argocd: cluster }));
  add(notifyJob({ outbox: new Outbox(blocking, opts.redactor) }));
  const stacks = new TerraformStacks(env);
  add(planJob({ config, infra, stacks, env }));
  add(planLinkJob({ config, infra }));
  add(applyJob({ config, infra, stacks, env }));
  add(forceUnlockJob({ config, infra, stacks, env }));
  add(driftJob({ config, infra, stacks, env, outbox: new Outbox(fast, opts.redactor), memory: new DriftMemory(fast) }));
  return { kinds, reviews, infra, repo };
}
