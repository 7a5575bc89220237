import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Where a keyed message lives: the channel id Slack answered with (a `#name` becomes an id) and its ts. */
export interface MessageRef {
  channel: string;
  ts: string;
  /** For an operation's message (a notification): the rank of the state it shows now. */
  rank?: number;
}

/** Jobs report for minutes to hours; a few days covers late edits (a delayed approval's result). */
const REF_TTL_S = 3 * 24 * 3600;
/** Slack's response_url works for 30 minutes after the command (https://docs.slack.dev/interactivity/handling-user-interaction). */
const ORIGIN_TTL_S = 30 * 60;
/** A failed delivery is explained once per message; a day covers a job's retries. */
const EXPLAINED_TTL_S = 24 * 3600;

/** Who asked for a job and how to reach them privately, for explaining a failed delivery. */
export interface Origin {
  user: string;
  responseUrl?: string;
}

/**
 * The Slack adapter's small records in Redis: which Slack message an outbox key is
 * (`opsbot:msgref:slack:<channel>:<key>`), who asked for it, which files were uploaded, and
 * which failed deliveries were explained. (Which requests were handled is the intake
 * pipeline's record: `opsbot:slack:seen:<id>`, bot/intake.ts.)
 */
export class SlackRecords {
  constructor(private readonly redis: Redis) {}

  private refKey(channel: string, key: string): string {
    return `opsbot:msgref:slack:${channel}:${key}`;
  }

  async getRef(channel: string, key: string): Promise<MessageRef | undefined> {
    const raw = await this.redis.get(this.refKey(channel, key));
    return raw ? (JSON.parse(raw) as MessageRef) : undefined;
  }

  async putRef(channel: string, key: string, ref: MessageRef): Promise<void> {
    await this.redis.set(this.refKey(channel, key), JSON.stringify(ref), 'EX', REF_TTL_S);
  }

  async putOrigin(channel: string, key: string, origin: Origin): Promise<void> {
    await this.redis.set(`opsbot:slack:origin:${channel}:${key}`, JSON.stringify(origin), 'EX', ORIGIN_TTL_S);
  }

  async getOrigin(channel: string, key: string): Promise<Origin | undefined> {
    const raw = await this.redis.get(`opsbot:slack:origin:${channel}:${key}`);
    return raw ? (JSON.parse(raw) as Origin) : undefined;
  }

  /** Was this file (name and content) shared under this message already? Edits re-render the same attachment. */
  async uploaded(channel: string, key: string, file: { name: string; content: string }): Promise<boolean> {
    return (await this.redis.exists(this.fileKey(channel, key, file))) === 1;
  }

  async markUploaded(channel: string, key: string, file: { name: string; content: string }): Promise<void> {
    await this.redis.set(this.fileKey(channel, key, file), '1', 'EX', REF_TTL_S);
  }

  private fileKey(channel: string, key: string, file: { name: string; content: string }): string {
    const digest = createHash('sha256').update(file.name).update('\0').update(file.content).digest('hex').slice(0, 32);
    return `${this.refKey(channel, key)}:file:${digest}`;
  }

  /**
   * Messages with an identity (outbox `id`): `attempt` is written just before the post (its
   * time), `posted` just after (where it went). An attempt without a post means "it may have
   * gone out": the sender looks for it in Slack before posting again.
   */
  async getPosted(channel: string, id: string): Promise<MessageRef | undefined> {
    const raw = await this.redis.get(`opsbot:slack:posted:${channel}:${id}`);
    return raw ? (JSON.parse(raw) as MessageRef) : undefined;
  }

  async markPosted(channel: string, id: string, ref: MessageRef): Promise<void> {
    await this.redis.set(`opsbot:slack:posted:${channel}:${id}`, JSON.stringify(ref), 'EX', REF_TTL_S);
  }

  /** The time of an earlier attempt to post `id` (epoch ms), and records this one. */
  async attempt(channel: string, id: string, now = Date.now()): Promise<number | undefined> {
    const before = await this.redis.set(`opsbot:slack:attempt:${channel}:${id}`, String(now), 'EX', REF_TTL_S, 'GET');
    return before ? Number(before) : undefined;
  }

  /** The time of an attempt to post `id` (epoch ms), recording nothing. */
  async attemptedAt(channel: string, id: string): Promise<number | undefined> {
    const at = await this.redis.get(`opsbot:slack:attempt:${channel}:${id}`);
    return at ? Number(at) : undefined;
  }

  /** Slack answered the attempt with a refusal (429, an error): it surely did not post. */
  async clearAttempt(channel: string, id: string): Promise<void> {
    await this.redis.del(`opsbot:slack:attempt:${channel}:${id}`);
  }

  /** True the first time a failed delivery of this message is to be explained (SET NX). */
  async firstExplanation(channel: string, key: string): Promise<boolean> {
    return (await this.redis.set(`opsbot:slack:seen:explained:${channel}:${key}`, '1', 'EX', EXPLAINED_TTL_S, 'NX')) === 'OK';
  }
}

/** A request's identity: Slack's trigger_id (unique per invocation) or event_id, else a hash of the payload. */
export function requestIdentity(body: Record<string, unknown>): string {
  for (const field of ['trigger_id', 'event_id'] as const) {
    const v = body[field];
    if (typeof v === 'string' && v) return `${field}:${v}`;
  }
  return `sha256:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
}
