import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../core/audit.js';
import type { Config } from '../core/config/schema.js';
import { parseDestination } from '../core/destination.js';
import type { Logger } from '../core/logger.js';
import { actorSubject, type Actor, type Message } from '../core/message.js';
import type { Policy } from '../core/policy.js';
import { sleep } from '../core/backoff.js';
import { RegistryClient } from '../registry/registry-client.js';
import { bestTag, decide } from '../registry/watch-rule.js';
import type { DeployPayload } from './handlers/deploy.js';
import type { NotifyPayload } from './handlers/notify.js';
import type { JobQueues } from './queues.js';
import { describeInterval, watchKey, watchTargets, type WatchTarget } from './watch-targets.js';

/** The requester of automatic deploys, in commits, replies and the audit (like the notifier's "Argo CD"). */
export const REGISTRY_WATCH: Actor = { platform: 'console', id: 'registry-watch', displayName: 'registry watch' };
const SEEN_PREFIX = 'opsbot:watch:seen:';
const PROBLEM_PREFIX = 'opsbot:watch:problem:';
/** Per app/env: every version proposed or deployed. One entry per release, kept: "once" outlives the job's 24 h in the queue. */
const ACTED_PREFIX = 'opsbot:watch:acted:';

/**
 * Registry watches, in the processes that face chat: each watched environment's registry is
 * polled every `interval`; a new version is proposed in chat (Deploy/Ignore) or deployed by the
 * normal deploy job as "registry watch". Every replica polls; "once" holds across replicas and
 * restarts because the job id is app/env/version (enqueueOnce) and the versions acted on are
 * kept in Redis. The first poll of an environment records what is there as its starting point.
 */
export function startImageWatch(deps: {
  config: Config;
  redis: Redis;
  queues: Pick<JobQueues, 'enqueueOnce'>;
  audit: Pick<AuditLog, 'append'>;
  /** `auto` deploys as `console:registry-watch`, which needs `deploy` there like anyone. */
  policy: Pick<Policy, 'can'>;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}): ImageWatch {
  const registry = new RegistryClient({ env: deps.env ?? process.env, tries: 2, backoff: { baseMs: 500, maxMs: 2000 } });
  const stopping = new AbortController();
  const loops = new Map<string, { stop: AbortController; done: Promise<void> }>();
  /** Loops of watches that went away, still finishing a poll: awaited at stop, before the client closes. */
  const retired = new Set<Promise<void>>();
  const poll = (t: WatchTarget, signal: AbortSignal) =>
    pollTarget(t, { ...deps, registry }, signal).catch((err: unknown) =>
      deps.log.warn({ app: t.app, env: t.env, err: (err as Error).message }, 'registry watch: poll failed'),
    );
  const startLoop = (t: WatchTarget) => {
    const stop = new AbortController();
    const signal = AbortSignal.any([stopping.signal, stop.signal]);
    const done = (async () => {
      while (!signal.aborted) {
        await poll(t, signal);
        await sleep(t.watch.interval, signal);
      }
    })();
    loops.set(watchKey(t), { stop, done });
  };
  const configured = watchTargets(deps.config);
  for (const t of configured) startLoop(t);
  if (configured.length > 0) deps.log.info({ watches: configured.map((t) => `${t.app}@${t.env}`) }, 'registry watch started');
  const configuredKeys = new Set(configured.map(watchKey));
  return {
    setAnnotated(targets) {
      const wanted = new Map(targets.map((t) => [watchKey(t), t]));
      for (const [key, loop] of loops) {
        if (configuredKeys.has(key) || wanted.has(key)) continue;
        loop.stop.abort();
        loops.delete(key);
        retired.add(loop.done);
        void loop.done.then(() => retired.delete(loop.done));
      }
      for (const [key, t] of wanted) if (!loops.has(key)) startLoop(t);
      deps.log.info({ watches: targets.map((t) => `${t.app}@${t.env}`) }, 'registry watch: apps from annotations watched');
    },
    async stop() {
      stopping.abort();
      await Promise.all([...[...loops.values()].map((l) => l.done), ...retired]);
      await registry.close();
    },
  };
}

/** The running registry watches: those of opsbot.yaml from the start, those of annotated apps as they change. */
export interface ImageWatch {
  /** Replaces the watches of apps declared by argocd-image-updater annotations. */
  setAnnotated(targets: readonly WatchTarget[]): void;
  stop(): Promise<void>;
}

type PollDeps = Parameters<typeof startImageWatch>[0] & { registry: RegistryClient };

async function pollTarget(t: WatchTarget, deps: PollDeps, signal: AbortSignal): Promise<void> {
  const key = `${t.app}:${t.env}`;
  let current: string | undefined;
  try {
    current =
      t.rule.kind === 'digest'
        ? (await deps.registry.resolve(t.image, t.rule.tag, signal)).digest
        : bestTag(t.rule, await deps.registry.listTags(t.image, signal));
  } catch (err) {
    if (signal.aborted) return;
    await reportProblem(t, deps, (err as Error).message);
    return;
  }
  // A registry that answers again ends the problem: the next one is reported again.
  await deps.redis.del(PROBLEM_PREFIX + key);
  const seen = (await deps.redis.get(SEEN_PREFIX + key)) ?? undefined;
  const decision = decide(t.rule, seen, current);
  if (decision.kind === 'baseline') {
    await deps.redis.set(SEEN_PREFIX + key, decision.version, 'NX');
    return;
  }
  if (decision.kind !== 'new') return;
  // Another replica acted on it already (a slower one may have moved the mark back): only the mark moves.
  if (await deps.redis.sismember(ACTED_PREFIX + key, decision.version)) {
    await deps.redis.set(SEEN_PREFIX + key, decision.version);
    return;
  }
  const ref = t.rule.kind === 'digest' ? `${t.rule.tag}@${decision.version}` : decision.version;
  // Like anyone, the watch deploys only where an access rule lets `console:registry-watch` deploy; elsewhere it proposes.
  const refusal =
    t.watch.mode === 'auto' && !t.protected ? deps.policy.can(actorSubject(REGISTRY_WATCH), 'deploy', { app: t.app, environment: t.env }) : undefined;
  const auto = refusal?.allowed === true;
  // The job, then the records: a crash between them finds the version new again, and enqueues the same job id, a no-op.
  const once = `watch|${t.app}|${t.env}|${decision.version}`;
  const conversation = parseDestination(t.destination);
  if (auto) {
    const payload: DeployPayload = { verb: 'deploy', app: t.app, env: t.env, ref };
    await deps.queues.enqueueOnce('deploy', payload, { requester: REGISTRY_WATCH, conversation, target: `${t.app}@${t.env}` }, once);
  } else {
    const payload: NotifyPayload = {
      destinations: [t.destination],
      groupKey: once,
      message: proposal(t, ref, refusal?.allowed === false ? refusal.reason : undefined),
      key: once,
    };
    await deps.queues.enqueueOnce('notify', payload, { requester: REGISTRY_WATCH, conversation, target: `${t.app}@${t.env} ${ref}` }, once);
  }
  const first = await deps.redis.sadd(ACTED_PREFIX + key, decision.version);
  await deps.redis.set(SEEN_PREFIX + key, decision.version);
  // Only the replica whose SADD added the version writes the audit entry.
  if (first === 0) return;
  await deps.audit.append({
    actor: `${REGISTRY_WATCH.platform}:${REGISTRY_WATCH.id}`,
    platform: REGISTRY_WATCH.platform,
    action: auto ? 'watch.deploy' : 'watch.propose',
    target: `${t.app}@${t.env}`,
    result: 'accepted',
    detail: `${t.image} ${ref}`,
  });
  deps.log.info({ app: t.app, env: t.env, ref, mode: auto ? 'auto' : 'propose' }, 'registry watch: new image');
}

/** A registry problem is said once in chat (per distinct problem, across replicas), not every poll. */
async function reportProblem(t: WatchTarget, deps: PollDeps, problem: string): Promise<void> {
  deps.log.warn({ app: t.app, env: t.env, err: problem }, 'registry watch: registry not usable');
  const before = await deps.redis.set(PROBLEM_PREFIX + `${t.app}:${t.env}`, problem, 'GET');
  if (before === problem) return;
  const id = `watch-problem|${t.app}|${t.env}|${createHash('sha256').update(problem).digest('hex').slice(0, 12)}|${Date.now()}`;
  const message: Message = {
    status: 'warning',
    title: `Registry watch of ${t.app} (${t.env}) cannot read the registry`,
    text: `${problem}\nopsbot keeps asking every ${describeInterval(t.watch.interval)}.`,
  };
  const payload: NotifyPayload = { destinations: [t.destination], groupKey: id, message, key: id };
  await deps.queues.enqueueOnce(
    'notify',
    payload,
    { requester: REGISTRY_WATCH, conversation: parseDestination(t.destination), target: `${t.app}@${t.env}` },
    id,
  );
}

function proposal(t: WatchTarget, ref: string, notAuto?: string): Message {
  const shown = ref.includes('@') ? `${ref.slice(0, ref.indexOf('@'))} (${ref.slice(ref.indexOf('@') + 1, ref.indexOf('@') + 20)}…)` : ref;
  const how =
    t.rule.kind === 'semver' ? `matches ${t.rule.range}` : t.rule.kind === 'regex' ? `matches /${t.rule.pattern.source}/` : `${t.rule.tag} moved`;
  return {
    status: 'info',
    title: `${t.app} ${shown} is available for ${t.env}`,
    text: `${t.image}:${ref} (${how}).${t.protected ? ` ${t.env} is protected: Deploy opens a pull request.` : ''}${notAuto ? ` Not deployed automatically: ${notAuto}` : ''}`,
    buttons: [
      { label: 'Deploy', style: 'primary', action: { command: 'deploy', args: [t.app, ref, t.env] } },
      { label: 'Ignore', action: { command: 'deploy ignore', args: [t.app, ref, t.env] } },
    ],
  };
}
