import { ownEntry } from '../core/config/own-entry.js';
import type { AppConfig, Config, GitopsConfig, TagLocation } from '../core/config/schema.js';
import { OpsbotError } from '../core/errors.js';
import type { Progress } from '../core/message.js';
import type { ReadTag } from '../gitops/deploy-history.js';
import { parseRequestedRef } from '../gitops/editors/image-ref.js';
import { currentTag } from '../gitops/editors/tag-location.js';
import type { ImageRegistry } from './seams.js';

/** One app environment a deploy job changes, as the configuration says now (it may have changed since the command). */
export interface DeployedApp {
  app: string;
  env: string;
  appConfig: AppConfig;
  location: TagLocation;
  gitops: GitopsConfig;
}

/** Deploys mostly wait (for the repository lease, then for Argo CD): more of them than other jobs run at once. */
export function deployConcurrency(config: Config): number {
  return Math.max(16, config.workers.concurrency);
}

export function configuredApp(config: Config, app: string, env: string): DeployedApp {
  const appConfig = ownEntry(config.apps, app);
  const location = appConfig && ownEntry(appConfig.environments, env);
  const gitops = config.gitops;
  if (!appConfig || !location || !gitops) throw new OpsbotError('E_UNKNOWN_APP', `${app}@${env} is no longer in the configuration.`);
  return { app, env, appConfig, location, gitops };
}

/** How /history and /rollback read this app's tag from each version of its file. */
export function tagReaderOf(t: Pick<DeployedApp, 'app' | 'appConfig' | 'location'>): ReadTag {
  return Object.assign((text: string) => currentTag(text, t.appConfig, t.location), { app: t.app });
}

/** What is written, and how it is shown: for a pinned deploy, the digest the tag resolved to. */
export interface Pinned {
  /** What the file gets: the tag as given, or the digest. */
  ref: string;
  /** The tag the digest was resolved from (pinned deploys only). */
  tag?: string;
}

/**
 * `pin: digest`: the tag is resolved in the registry before anything is committed, and the
 * digest is what the file gets. `tag@sha256:…` must match what the registry says; a bare digest
 * is written as it is (it names the image already).
 */
export async function pin(
  registry: ImageRegistry | undefined,
  t: Omit<DeployedApp, 'gitops'>,
  ref: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<Pinned> {
  if (t.location.pin !== 'digest') return { ref };
  const requested = parseRequestedRef(ref);
  const tag = requested.kind === 'tag' ? requested.value : requested.tag;
  if (tag === undefined) return { ref: requested.value };
  if (!registry) throw new OpsbotError('E_INTERNAL', 'pin: digest needs the registry client, which this worker was started without');
  await progress({ text: `Deploying ${t.app} in ${t.env}: resolving ${t.appConfig.image}:${tag} in its registry…` });
  const { digest } = await registry.resolve(t.appConfig.image, tag, signal);
  if (requested.kind === 'digest' && requested.value !== digest) {
    throw new OpsbotError(
      'E_DIGEST_MISMATCH',
      `${t.appConfig.image}:${tag} is ${digest} in the registry, not ${requested.value}: the tag was moved, or the digest is of another image. Nothing was committed.`,
    );
  }
  return { ref: digest, tag };
}

/** `1.5.0 (sha256:9f2c…)` for a pinned deploy, the ref as given otherwise. */
export function shown(p: Pinned): string {
  return p.tag ? `${p.tag} (${p.ref.slice(0, 19)}…)` : p.ref;
}
