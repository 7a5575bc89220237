import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Where a keyed message lives: the channel id Slack answered with (a `#name` becomes an id) and its ts. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** Jobs report for minutes to hours; a few days covers late edits (a delayed approval's result). */
const REF_TTL_S = 3 * 24 * 3600;
/** Slack's response_url works for 30 minutes after the command (https://docs.slack.dev/interactivity/handling-user-interaction). */
const ORIGIN_TTL_S = 30 * 60;
/** Slack retries a request up to 3 times within minutes; a day of memory is plenty. */
const SEEN_TTL_S = 24 * 3600;

/** Who asked for a job and how to reach them privately, for explaining a failed delivery. */
export interface Origin {
  user: string;
  responseUrl?: string;
}

/**
 * The Slack adapter's small records in Redis: which Slack message an outbox key is
 * (`opsbot:msgref:slack:<channel>:<key>`), who asked for it, which files were uploaded, and
 * which requests were already handled (retries and replays run nothing twice).
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

  /** True the first time this file (name and content) is shared under this message (edits re-render the same attachment). */
  async firstUpload(channel: string, key: string, file: { name: string; content: string }): Promise<boolean> {
    const digest = createHash('sha256').update(file.name).update('\0').update(file.content).digest('hex').slice(0, 32);
    return (await this.redis.set(`${this.refKey(channel, key)}:file:${digest}`, '1', 'EX', REF_TTL_S, 'NX')) === 'OK';
  }

  /** Atomic first-seen check (SET NX): true once per request identity, whatever the retries. */
  async firstSeen(identity: string): Promise<boolean> {
    return (await this.redis.set(`opsbot:slack:seen:${identity}`, '1', 'EX', SEEN_TTL_S, 'NX')) === 'OK';
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
