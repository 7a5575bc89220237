import { join } from 'node:path';
import { Redis } from 'ioredis';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { eventually } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startSlackApi, type PostedMessage, type SlackApiDouble } from '../support/slack-api.js';
import { createBareRepo, git, type BareRepo } from '../gitops/bare-repo.js';
import { postToSlackEvents, slashCommandBody, type SlackPost } from './slack-requests.js';

export const BOT_TOKEN = 'xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx';
export const SIGNING_SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** The one app most Slack scenarios deploy: `web` with a Kustomize `staging` overlay (see `kustomization`). */
export const WEB_STAGING_APP = `apps:
  web:
    image: ghcr.io/example/web
    environments:
      staging: { kind: kustomize, path: apps/web/overlays/staging/kustomization.yaml }
`;

export const kustomization = (tag: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/example/web\n    newTag: "${tag}"\n`;

/** One real `opsbot start --no-console` with Slack over HTTP, a real Redis, a bare GitOps repo and the Slack stand-in. */
export interface SlackRig {
  redis: TestRedis;
  client: Redis;
  repo: BareRepo;
  slack: SlackApiDouble;
  bot: OpsbotProcess;
  base: string;
  head(): Promise<string>;
  /** Send a slash command from Slack, correctly signed; `responseId` names its response_url at the stand-in. */
  slash(
    command: string,
    text: string,
    o?: { user?: string; userName?: string; channel?: string; team?: string; responseId?: string },
  ): Promise<SlackPost>;
  audit(): Promise<Record<string, string>[]>;
  /** The messages opsbot posted to a channel, oldest first. */
  posted(channel?: string): PostedMessage[];
  close(): Promise<void>;
}

export async function startSlackRig(o: {
  configTail: string;
  files?: Record<string, string>;
  /** More of the `gitops:` mapping, e.g. `github: { owner: example, repo: gitops }`. */
  gitops?: string;
  /** Extra environment, computed once the bare repository exists (a GitHub stand-in serving it). */
  env?: (repo: BareRepo) => Promise<Record<string, string>>;
  /** Set the scene at the Slack stand-in before opsbot starts (e.g. user-group members). */
  beforeStart?: (slack: SlackApiDouble) => void;
}): Promise<SlackRig> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const repo = await createBareRepo(o.files ?? { 'apps/web/overlays/staging/kustomization.yaml': kustomization('1.4.2') });
  const slack = await startSlackApi({ token: BOT_TOKEN });
  o.beforeStart?.(slack);
  const port = await freePort();
  const config = writeConfig(`gitops: { url: ${repo.bare}${o.gitops ? `, ${o.gitops}` : ''} }\n${o.configTail}`);
  const extraEnv = o.env ? await o.env(repo) : {};
  const env = baseEnv({
    REDIS_URL: redis.url,
    OPSBOT_CONFIG: config,
    OPSBOT_HOME: join(repo.root, 'home'),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...extraEnv,
  });
  const bot = new OpsbotProcess(['start', '--no-console'], { env });
  await bot.waitFor(/opsbot started/, { stream: 'stderr', timeoutMs: 30_000 });
  const base = `http://127.0.0.1:${port}`;
  let responses = 0;
  return {
    redis,
    client,
    repo,
    slack,
    bot,
    base,
    head: () => git(repo.bare, 'rev-parse', 'main'),
    slash: (command, text, so = {}) =>
      postToSlackEvents(base, slashCommandBody({ command, text, ...so, responseUrl: slack.responseUrl(so.responseId ?? `cmd-${++responses}`) }), {
        secret: SIGNING_SECRET,
      }),
    audit: async () =>
      (await client.xrange('opsbot:audit', '-', '+')).map(([, fields]) => {
        const entry: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
        return entry;
      }),
    posted: (channel) => [...slack.messages.values()].filter((m) => !channel || m.channel === channel),
    async close() {
      await bot.stop();
      client.disconnect();
      await slack.close();
      await redis.close();
      await repo.cleanup();
    },
  };
}

/** The job id in a "Queued as job N" ack. */
export function queuedJob(post: SlackPost): string {
  const m = /job (\d+)/i.exec(post.json?.text ?? '');
  if (!m) throw new Error(`not queued: ${post.status} ${post.text}`);
  return m[1]!;
}

export async function finalMessage(rig: SlackRig, pattern: RegExp, what: string): Promise<PostedMessage> {
  let found: PostedMessage | undefined;
  await eventually(
    async () => {
      found = rig.posted().find((m) => pattern.test(m.text));
      return found !== undefined;
    },
    what,
    30_000,
  );
  return found!;
}
