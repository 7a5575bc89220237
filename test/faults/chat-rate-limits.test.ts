import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message.js';
import type { OutboxEvent } from '../../src/jobs/outbox.js';
import { renderBlockKit } from '../../src/bot/adapters/slack/render.js';
import { renderTelegramHtml } from '../../src/bot/adapters/telegram/render.js';
import { baseEnv, OpsbotProcess } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { eventually, get } from '../support/http.js';
import { startFaultProxy, type FaultProxy } from '../support/http-faults.js';
import { freePort } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import type { SlackApiDouble } from '../support/slack-api.js';
import { startTelegramApi, type TelegramApiDouble } from '../support/telegram-api.js';
import { createBareRepo, type BareRepo } from '../gitops/bare-repo.js';
import { kustomization, queuedJob, startSlackRig, type SlackRig, WEB_STAGING_APP } from '../slack/slack-harness.js';
import { CHANNEL } from '../slack/slack-requests.js';
import { BOT_TOKEN as TG_TOKEN, SECRET as TG_SECRET } from '../telegram/harness.js';
import { ALICE, messageUpdate, postUpdate } from '../telegram/updates.js';

/**
 * Fault: the chat platform answers 429 (with Retry-After / retry_after 1 s) and then HTTP 500
 * for a while, as Slack and Telegram do under load. Several jobs report into one conversation
 * meanwhile. Every message the jobs said must arrive exactly once, in order: at the stand-in,
 * the successful writes for the conversation are exactly the outbox events for it, in stream
 * order — each the event's rendering, the first of a job posting its message and every later
 * one editing that same message (ts / message_id).
 *
 * The faults come from a proxy in front of each stand-in (test/support/http-faults.ts): Slack's
 * stand-in has no HTTP 500, and "the next K calls, whatever the method" spans postMessage and
 * update. A rejected call never reaches the stand-in, so what the stand-in recorded got through.
 */
const RATE_LIMITED = 2;
const SERVER_ERRORS = 2;
/** Several jobs into one conversation: two deploys (several progress edits each) and a /diagnose. */
const COMMANDS = ['/deploy web 2.0.1 staging', '/deploy web 2.0.2 staging', '/diagnose'];

interface Write {
  kind: 'post' | 'edit';
  /** Slack ts or Telegram message_id. */
  id: string;
  text: string;
}

/** Walks the outbox events of one conversation against the writes that reached the stand-in: the problems found, and each key's message. */
function compare(
  events: OutboxEvent[],
  writes: Write[],
  render: (m: Message) => string,
  posted = new Map<string, string>(),
): { problems: string[]; idOf: Map<string, string> } {
  const problems: string[] = [];
  const idOf = new Map(posted);
  let last = -Infinity;
  events.forEach((e, i) => {
    const w = writes[i];
    if (!w) return void problems.push(`event ${i} (${e.key}) never arrived`);
    if (w.text !== render(e.message)) problems.push(`write ${i} is not event ${i} (${e.key}): ${JSON.stringify(w.text.slice(0, 80))}`);
    const known = idOf.get(e.key);
    if (known !== undefined && (w.kind !== 'edit' || w.id !== known))
      problems.push(`event ${i} (${e.key}) should edit ${known}, got ${w.kind} ${w.id}`);
    if (known === undefined) {
      if (w.kind !== 'post') problems.push(`event ${i} (${e.key}) should post, got an edit of ${w.id}`);
      if (order(w.id) <= last) problems.push(`message ${w.id} of ${e.key} is out of order`);
      last = order(w.id);
      idOf.set(e.key, w.id);
    }
  });
  if (writes.length > events.length)
    problems.push(
      `${writes.length - events.length} write(s) more than events: ${writes
        .slice(events.length)
        .map((w) => `${w.kind} ${w.id}`)
        .join(', ')}`,
    );
  return { problems, idOf };
}

/** Slack ts `<seconds>.<sequence>` (the stand-in's sequence is global) or a Telegram message_id. */
const order = (id: string) => (id.includes('.') ? Number(id.split('.')[1]) : Number(id));

async function outboxOf(client: Redis, stream: string, channel: string): Promise<OutboxEvent[]> {
  return (await client.xrange(stream, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as OutboxEvent).filter((e) => e.conversation.channel === channel);
}

function injectFaults(
  proxy: FaultProxy,
  rateLimited: { status: number; headers?: Record<string, string>; body: string },
  serverError: { status: number; body: string },
): void {
  proxy.answerNext(rateLimited, RATE_LIMITED);
  proxy.answerNext(serverError, SERVER_ERRORS);
}

const describeFaults = (proxy: FaultProxy) =>
  proxy.calls
    .filter((c) => c.injected)
    .map((c) => `${c.status} ${c.path.split('/').pop()}`)
    .join(', ');

describe('fault: Slack answers 429 and then 500 for a while', () => {
  let rig: SlackRig | undefined;
  let proxy: FaultProxy | undefined;
  afterAll(async () => {
    await rig?.close();
    await proxy?.close();
  });

  it('every message of every job reaches the channel once, in order', async () => {
    let slack: SlackApiDouble | undefined;
    rig = await startSlackRig({
      files: { 'apps/web/overlays/staging/kustomization.yaml': kustomization('1.4.2') },
      configTail: `
${WEB_STAGING_APP}chat:
  slack: { teamId: T0EXAMPLE, channels: [${CHANNEL}] }
access:
  rules:
    - subjects: ["slack:U0ALICE"]
      actions: [deploy, admin]
`,
      beforeStart: (s) => (slack = s),
      env: async () => {
        proxy = await startFaultProxy(slack!.origin, { match: (_m, path) => /^\/api\/chat\.(postMessage|update)\b/.test(path) });
        return { SLACK_API_URL: `${proxy.origin}/api/` };
      },
    });
    const p = proxy!;
    // Armed before the commands: only the jobs' messages go through chat.* (acks are the slash commands' HTTP answers).
    injectFaults(
      p,
      { status: 429, headers: { 'retry-after': '1' }, body: '{"ok":false,"error":"ratelimited"}' },
      { status: 500, body: 'Internal Server Error' },
    );
    const jobs: string[] = [];
    for (const line of COMMANDS) {
      // Slack has its own slash commands for a few words; the rest go through /opsbot.
      const [command, ...rest] = line.split(' ');
      const slash = ['/deploy', '/rollback', '/infra', '/jobs', '/cancel'].includes(command!)
        ? [command!, rest.join(' ')]
        : ['/opsbot', line.slice(1)];
      jobs.push(queuedJob(await rig.slash(slash[0]!, slash[1]!)));
    }

    const events = () => outboxOf(rig!.client, 'opsbot:outbox:slack', CHANNEL);
    const writes = (): Write[] => {
      const posts = [...rig!.slack.messages.values()].filter((m) => m.channel === CHANNEL).sort((a, b) => order(a.ts) - order(b.ts));
      let n = 0;
      return rig!.slack.calls
        .filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === CHANNEL && c.answer === 'ok')
        .map((c) =>
          c.method === 'chat.postMessage'
            ? { kind: 'post', id: posts[n++]?.ts ?? '?', text: String(c.args.text) }
            : { kind: 'edit', id: String(c.args.ts), text: String(c.args.text) },
        );
    };
    await eventually(
      async () => {
        const ev = await events();
        return jobs.every((j) => ev.some((e) => e.key === `job:${j}` && e.final)) && writes().length >= ev.length;
      },
      'every job finished and its messages delivered',
      150_000,
    );
    await new Promise((r) => setTimeout(r, 3000)); // room for a duplicate to show up
    const ev = await events();
    const w = writes();
    const { problems, idOf } = compare(ev, w, (m) => renderBlockKit(m).text);
    // Each job's message shows its last word now.
    const finals = jobs.map((j) => rig!.slack.messages.get(idOf.get(`job:${j}`) ?? ''));
    const lastWords = jobs.map((j) => renderBlockKit(ev.filter((e) => e.key === `job:${j}`).at(-1)!.message).text);
    console.log(
      `injected: the next ${RATE_LIMITED} chat.postMessage/chat.update calls answered HTTP 429 (Retry-After: 1), the ${SERVER_ERRORS} after them HTTP 500; rejected in turn: ${describeFaults(p)}`,
    );
    console.log(
      `observed: jobs ${jobs.join(', ')}: ${ev.length} outbox events for ${CHANNEL}, ${w.length} successful writes at the stand-in (${w.filter((x) => x.kind === 'post').length} posts, ${w.filter((x) => x.kind === 'edit').length} edits); ` +
        `${rig.posted(CHANNEL).length} message(s) in the channel, ts ${rig
          .posted(CHANNEL)
          .map((m) => m.ts)
          .join(
            ' < ',
          )}; final texts: ${finals.map((m) => JSON.stringify(m?.text.split('\n')[0]?.slice(0, 60))).join(' | ')}; problems: ${problems.length ? problems.join('; ') : 'none'}`,
    );
    expect(p.pending()).toBe(0); // every injected answer was given
    expect(p.calls.filter((c) => c.injected).map((c) => c.status)).toEqual([
      ...Array<number>(RATE_LIMITED).fill(429),
      ...Array<number>(SERVER_ERRORS).fill(500),
    ]);
    expect(problems).toEqual([]);
    expect(rig.posted(CHANNEL)).toHaveLength(jobs.length);
    expect(finals.map((m) => m?.text)).toEqual(lastWords);
  }, 200_000);
});

describe('fault: Telegram answers 429 and then 500 for a while', () => {
  let redis: TestRedis | undefined;
  let client: Redis | undefined;
  let api: TelegramApiDouble | undefined;
  let proxy: FaultProxy | undefined;
  let repo: BareRepo | undefined;
  let bot: OpsbotProcess | undefined;
  afterAll(async () => {
    await bot?.stop();
    await proxy?.close();
    await api?.close();
    client?.disconnect();
    await redis?.close();
    await repo?.cleanup();
  });

  it('every message of every job reaches the chat once, in order', async () => {
    const CHAT = String(ALICE.id); // a private chat: the delivery loop paces it at 1 s
    redis = await startRedis();
    client = new Redis(redis.url);
    repo = await createBareRepo({ 'apps/web/overlays/staging/kustomization.yaml': kustomization('1.4.2') });
    api = await startTelegramApi({ token: TG_TOKEN });
    proxy = await startFaultProxy(api.url, { match: (_m, path) => /^\/bot[^/]+\/(sendMessage|editMessageText)$/.test(path) });
    const port = await freePort();
    bot = new OpsbotProcess(['start', '--no-console'], {
      env: baseEnv({
        REDIS_URL: redis.url,
        OPSBOT_HOME: join(repo.root, 'home'),
        OPSBOT_CONFIG: writeConfig(`
gitops: { url: ${repo.bare} }
${WEB_STAGING_APP}chat:
  telegram: { chats: [${CHAT}] }
access:
  rules:
    - subjects: ["telegram:${ALICE.id}"]
      actions: [deploy, admin]
`),
        PORT: String(port),
        LOG_LEVEL: 'info',
        TELEGRAM_BOT_TOKEN: TG_TOKEN,
        TELEGRAM_API_ROOT: proxy.origin,
        TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      }),
    });
    await eventually(async () => (await get(`http://127.0.0.1:${port}/healthz`)).status === 200, `opsbot HTTP\nstderr: ${bot.stderr}`, 30_000);
    await eventually(async () => api!.callsOf('setMyCommands').length > 0, 'setMyCommands', 30_000);

    for (const text of COMMANDS) {
      const { update } = messageUpdate({ chatId: ALICE.id, from: ALICE, text });
      expect((await postUpdate(port, update, TG_SECRET)).status).toBe(200);
    }
    // Armed once the acks (sent from the webhook handler, outside the delivery loop) are in: what follows is the jobs' own reporting.
    injectFaults(
      proxy,
      {
        status: 429,
        body: JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } }),
      },
      { status: 500, body: JSON.stringify({ ok: false, error_code: 500, description: 'Internal Server Error' }) },
    );

    const events = () => outboxOf(client!, 'opsbot:outbox:telegram', CHAT);
    const jobKeys = async () => [...new Set((await events()).map((e) => e.key))];
    await eventually(async () => (await jobKeys()).length >= COMMANDS.length, 'every job reporting', 60_000);
    const jobs = (await jobKeys()).map((k) => k.replace(/^job:/, ''));
    const sent = () => api!.messages.get(CHAT) ?? [];
    const writes = (): Write[] => {
      let n = 0;
      return api!.calls
        .filter((c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && String(c.params.chat_id) === CHAT)
        .map((c) =>
          c.method === 'sendMessage'
            ? { kind: 'post', id: String(sent()[n++]?.message_id ?? '?'), text: String(c.params.text) }
            : { kind: 'edit', id: String(c.params.message_id), text: String(c.params.text) },
        );
    };
    // The acks (if the job had not spoken first) are the jobs' messages too: their first outbox event edits them.
    const acks = new Map(
      writes().flatMap((w) =>
        w.kind === 'post' && /Queued as job (\d+)/.test(w.text) ? [[`job:${/Queued as job (\d+)/.exec(w.text)![1]}`, w.id] as const] : [],
      ),
    );
    const delivered = () => writes().filter((w) => !(w.kind === 'post' && [...acks.values()].includes(w.id)));
    await eventually(
      async () => {
        const ev = await events();
        return jobs.every((j) => ev.some((e) => e.key === `job:${j}` && e.final)) && delivered().length >= ev.length;
      },
      'every job finished and its messages delivered',
      150_000,
    );
    await new Promise((r) => setTimeout(r, 3000)); // room for a duplicate to show up
    const ev = await events();
    const w = delivered();
    const { problems, idOf } = compare(ev, w, (m) => renderTelegramHtml(m).html, acks);
    console.log(
      `injected: after the acks (${acks.size} of ${jobs.length} jobs had one), the next ${RATE_LIMITED} sendMessage/editMessageText calls answered 429 (retry_after 1), the ${SERVER_ERRORS} after them 500; rejected in turn: ${describeFaults(proxy)}`,
    );
    console.log(
      `observed: jobs ${jobs.join(', ')}: ${ev.length} outbox events for chat ${CHAT}, ${w.length} successful writes after the acks (${w.filter((x) => x.kind === 'post').length} posts, ${w.filter((x) => x.kind === 'edit').length} edits); ` +
        `${sent().length} message(s) in the chat, message_id ${sent()
          .map((m) => m.message_id)
          .join(' < ')}; final texts: ${sent()
          .map((m) => JSON.stringify(m.text?.split('\n')[0]?.slice(0, 60)))
          .join(' | ')}; problems: ${problems.length ? problems.join('; ') : 'none'}`,
    );
    expect(proxy.pending()).toBe(0);
    expect(proxy.calls.filter((c) => c.injected).map((c) => c.status)).toEqual([
      ...Array<number>(RATE_LIMITED).fill(429),
      ...Array<number>(SERVER_ERRORS).fill(500),
    ]);
    expect(problems).toEqual([]);
    expect(sent()).toHaveLength(jobs.length);
    for (const j of jobs) {
      const last = ev.filter((e) => e.key === `job:${j}`).at(-1)!;
      expect(sent().find((m) => m.message_id === Number(idOf.get(`job:${j}`)))?.html).toBe(renderTelegramHtml(last.message).html);
    }
  }, 200_000);
});
