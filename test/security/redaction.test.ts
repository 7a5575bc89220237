import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { eventually } from '../support/http.js';
import { outboxStreams, startRedis, type TestRedis } from '../support/redis.js';
import { CHANNEL } from '../slack/slack-requests.js';
import { startSlackRig, type SlackRig } from '../slack/slack-harness.js';
import { SKIP_REASON, TOFU, haveTofu, infraConfig, planIdOf, stackRepo } from '../terraform/stacks.js';
import { SUITE_TIMEOUT, findLeaks, redisTexts } from './leaks.js';

/** A JSON secret: tofu re-renders it as an HCL object, so only its leaves can show. */
const APP_CONFIG = '{"clientId": "client-id-4711aa", "clientSecret": "Qx7~client.secret-value"}';
/** A multi-line secret: tofu renders it as an indented heredoc, line by line. */
const TLS_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQline1\nZZZ9second-line-of-cert\n-----END CERTIFICATE-----';
/** Quotes and backslashes: JSON and HCL print them escaped. */
const QUOTED = 'pa"ss\\word-42x';
const LEAVES = {
  clientId: 'client-id-4711aa',
  clientSecret: 'Qx7~client.secret-value',
  certLine1: 'MIIBszCCAVmgAwIBAgIUQline1',
  certLine2: 'ZZZ9second-line-of-cert',
  quoted: QUOTED,
};

const STACK_TF = `variable "app_config" {
  type = string
}

variable "tls_cert" {
  type = string
}

variable "quoted" {
  type = string
}

resource "terraform_data" "app" {
  input = jsondecode(var.app_config)
}

resource "terraform_data" "cert" {
  input = var.tls_cert
}

resource "terraform_data" "quoted" {
  input = var.quoted
}
`;

/**
 * Redaction by structure. The stack's TF_VAR_ values are not marked sensitive, so tofu shows
 * them in the plan, re-rendered: the JSON as an object of leaves, the certificate as heredoc
 * lines, the quoted value escaped. None of it may reach chat, the stored plan text, logs or the
 * audit, and what is there must still say where it was cut out.
 */
describe.skipIf(!haveTofu)(
  `redaction of structured secrets in a real plan${haveTofu ? '' : ` — skipped: ${SKIP_REASON}`}`,
  { timeout: SUITE_TIMEOUT },
  () => {
    let redis: TestRedis;
    let client: Redis;

    beforeAll(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      client.disconnect();
      await redis.close();
    });

    it('JSON leaves, certificate lines and a quoted value are redacted wherever the plan goes', async () => {
      const config = infraConfig({
        shaped: {
          repo: stackRepo({ example: false, files: { 'main.tf': STACK_TF } }),
          dir: 'infra',
          env: ['TF_VAR_app_config', 'TF_VAR_tls_cert', 'TF_VAR_quoted'],
        },
      });
      const env = baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_CONFIG: config,
        TF_BINARY: TOFU,
        OPSBOT_HOME: tempDir('opsbot-home-'),
        LOG_LEVEL: 'debug',
        TF_VAR_app_config: APP_CONFIG,
        TF_VAR_tls_cert: TLS_CERT,
        TF_VAR_quoted: QUOTED,
      });
      const res = await runOpsbot(['console', '--as', 'alice', '--exec', '/infra plan shaped'], { env, timeoutMs: 120_000 });
      expect(res.code, res.stdout).toBe(0);
      const full = readFileSync(/Full plan: (\S+)/.exec(res.stdout)![1]!, 'utf8');
      // tofu did render them (the shapes are there), and every secret part is cut out.
      expect(full).toMatch(/\+ clientSecret = "\[redacted\]"/);
      expect(full).toMatch(/\+ clientId\s+= "\[redacted\]"/);
      expect(full).toMatch(/<<-EOT\n(\s+\[redacted\]\n){4}\s+EOT\n/);
      expect(full).toMatch(/\+ input\s+= "\[redacted\]"/);
      const places = { chat: res.stdout, logs: res.stderr, 'plan text': full, ...(await redisTexts(client)) };
      expect(findLeaks(places, LEAVES)).toEqual([]);
      // What is in Redis is still what it was: JSON that parses, stream by stream.
      for (const key of await outboxStreams(client))
        for (const [, f] of await client.xrange(key, '-', '+')) expect(() => JSON.parse(f[1]!)).not.toThrow();
      expect(planIdOf(res.stdout)).toMatch(/^[a-z2-7]{8}$/);
    });
  },
);

/**
 * A secret equal to `true` used to turn `"threaded":true` into `"threaded":[redacted]` in the
 * serialised notify event: the delivery could not parse it and stopped, at every restart. Now
 * the event is redacted before it is serialised: the notification and the one threaded under
 * it reach Slack, with the secret words (and the quoted secret) cut out of their text only.
 */
describe('a secret equal to "true" does not break notify events', () => {
  let rig: SlackRig;
  let queue: Queue;
  beforeAll(async () => {
    rig = await startSlackRig({ configTail: '', env: async () => ({ ODD_TOKEN: 'true', QUOTED_PASSWORD: QUOTED }) });
    queue = new Queue('notify', { connection: rig.client.duplicate(), prefix: 'opsbot' });
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    await rig?.close();
  });

  /** What the Argo CD notifier enqueues for an announced operation (jobs/handlers/notify.ts). */
  const announce = (n: number, text: string) =>
    queue.add(
      'notify',
      {
        id: `u-security-${n}`,
        uid: `u-security-${n}`,
        kind: 'notify',
        requester: { platform: 'console', id: 'argocd', displayName: 'Argo CD' },
        conversation: { platform: 'slack', channel: CHANNEL },
        target: 'web-prod on-deployed',
        payload: {
          destinations: [`slack:${CHANNEL}`],
          groupKey: 'web-prod:op-1',
          message: { status: 'success', title: `web-prod deployed (${n})`, text },
        },
        createdAt: new Date().toISOString(),
      },
      { jobId: `u-security-${n}` },
    );

  it('both notifications are delivered, the second threaded under the first; only text is redacted', async () => {
    await announce(1, `healthy is true; password ${QUOTED}`);
    await eventually(async () => rig.posted(CHANNEL).some((m) => m.text.includes('web-prod deployed (1)')), 'first notification delivered', 30_000);
    await announce(2, 'synced: true');
    await eventually(async () => rig.posted(CHANNEL).some((m) => m.text.includes('web-prod deployed (2)')), 'second notification delivered', 30_000);
    const first = rig.posted(CHANNEL).find((m) => m.text.includes('web-prod deployed (1)'))!;
    const second = rig.posted(CHANNEL).find((m) => m.text.includes('web-prod deployed (2)'))!;
    expect(second.thread_ts).toBe(first.ts);
    const shown = JSON.stringify([first, second]);
    expect(shown).toContain('healthy is [redacted]');
    expect(findLeaks({ slack: shown }, { quoted: QUOTED })).toEqual([]);
    for (const [, f] of await rig.client.xrange('opsbot:outbox:slack', '-', '+')) expect(() => JSON.parse(f[1]!)).not.toThrow();
  });
});
