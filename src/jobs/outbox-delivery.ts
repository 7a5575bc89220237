import type { Redis } from 'ioredis';
import type { AuditLog } from '../core/audit.js';
import { Backoff, backoffDelay, sleep } from '../core/backoff.js';
import { OpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ChatLink, ConversationRef, Platform } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import { acquireLock, type HeldLock } from '../core/redis-lock.js';
import { DeliveryError, OUTBOX_MAXLEN, outboxStream, type FollowUp, type OutboxEvent } from './outbox.js';
import { foldDigest, openDigest, renderDigest } from './notification-digest.js';
import { OpenDigests } from './open-digests.js';
import { ParkedMessages } from './parked-messages.js';
import { RateWindows, type RateLimit } from './rate-windows.js';

/** What a delivery loop hands events to: a chat platform's adapter (ChatAdapter). */
export interface OutboxConsumer {
  readonly platform: Platform;
  /** Minimum gap between two messages to one conversation (platform limits), in ms. */
  readonly pacingMs: number;
  /** The platform's limits a message to `c` falls under (default: one per `pacingMs` in that conversation). */
  rateLimits?(c: ConversationRef): RateLimit[];
  /** Throw a `DeliveryError` to have the loop retry (rate limit, 5xx) or park it (permanent). */
  deliver(event: OutboxEvent): Promise<void>;
  /** Was this event (one with an `id`) recorded as delivered already? A digest leaves out what went out alone. */
  wasDelivered?(event: OutboxEvent): Promise<boolean>;
  /** Where the message of a delivered event is (its key's message): for an event's `afterDelivery`. */
  linkTo?(event: OutboxEvent): Promise<ChatLink>;
}

export const OUTBOX_GROUP = 'delivery';
/** Transient failures (5xx, network) tried this often before the message is parked. */
const MAX_ATTEMPTS = 8;
/**
 * Rate-limit answers (429 with Retry-After) waited out this often before the message is parked:
 * they are counted apart, since the platform says when to come back — a limit shared by every
 * conversation (Slack's chat.update, 50+ per minute per workspace) can refuse one lane many
 * times over while the others take their turns.
 */
const MAX_RATE_LIMITED = 60;
/** Entries read but not yet delivered, across lanes: past this the reader waits (memory stays bounded). */
const MAX_IN_FLIGHT = 20_000;
/** Notifications waiting together at the head of a lane are folded into a digest when they are about this many operations or more. */
const FOLD_FROM = 2;
/** A digest updated this recently is still open: the burst's next fold edits it instead of starting another message. */
const DIGEST_OPEN_MS = 60_000;
/** Operations one digest lists at most; past this the next fold starts another. */
const DIGEST_MAX_LINES = 5000;
/** The delivery lease: a deliverer that stops renewing it (killed, or starved of CPU) is replaced after this. */
const LEASE_TTL_MS = 10_000;
/**
 * Reading stops this long before the lease could run out unrenewed: a blocking read (1 s) never
 * takes an entry after a successor may have claimed what was pending.
 */
const LEASE_MARGIN_MS = 2_500;
/** How often the deliverer looks for entries another consumer read and left unacknowledged. */
const SWEEP_MS = 5_000;

interface Entry {
  id: string;
  raw: string;
  event: OutboxEvent;
}

/** One conversation's queue: delivered in order, one at a time; other lanes never wait for it. */
interface Lane {
  queue: Entry[];
  running?: Promise<void>;
}

/**
 * Drains one platform's outbox stream into its adapter. One deliverer per platform at a time
 * (a Redis lease, so replicas never reorder a conversation); inside it, **a lane per
 * conversation**: each lane keeps its conversation's order, its pacing, its 429/Retry-After
 * waits and its retries to itself, so a slow or rate-limited channel never delays another.
 * An entry is acknowledged only once delivered or parked; a crash leaves it pending, and the
 * next deliverer (this process restarted, or another replica) claims every pending entry
 * before reading new ones. Nothing is dropped: after its retries a message is parked
 * (parked-messages.ts), logged, audited and counted.
 */
export class OutboxDelivery {
  private readonly abort = new AbortController();
  private readonly windows = new RateWindows();
  private readonly lanes = new Map<string, Lane>();
  private inFlight = 0;
  private loop?: Promise<void>;
  /** Aborted when this delivery period ends (lease lost, a lane hit a Redis failure, entries left behind: start over from the pending list). */
  private cycle?: AbortController;
  private readonly parked: ParkedMessages;
  private readonly digests: OpenDigests;

  constructor(
    private readonly deps: {
      redis: Redis;
      adapter: OutboxConsumer;
      log: Logger;
      audit?: Pick<AuditLog, 'append'>;
      metrics?: Metrics;
      consumer: string;
      /** Queues an event's `afterDelivery` work (at most once per `once` key), told where the message landed. */
      followUp?: (work: FollowUp, at: { link: ChatLink; conversation: ConversationRef; once: string }) => Promise<void>;
    },
  ) {
    this.parked = new ParkedMessages(deps.redis);
    this.digests = new OpenDigests(deps.redis);
  }

  private get stream(): string {
    return outboxStream({ platform: this.deps.adapter.platform, channel: '' });
  }

  start(): void {
    this.loop = this.run().catch((err: unknown) => this.deps.log.error({ err }, 'outbox delivery stopped'));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { redis } = this.deps;
    await redis.xgroup('CREATE', this.stream, OUTBOX_GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    const unavailable = new Backoff({ baseMs: 1000, maxMs: 30_000 });
    while (!this.abort.signal.aborted) {
      let lease: HeldLock;
      try {
        lease = await acquireLock(redis, `opsbot:lock:delivery:${this.deps.adapter.platform}`, {
          ttlMs: LEASE_TTL_MS,
          waitMs: 5_000,
          signal: this.abort.signal,
          holder: this.deps.consumer,
        });
      } catch (err) {
        // Another replica delivers: acquireLock waited 5 s, stand by again. Anything else (Redis
        // down or the connection closed) fails at once: wait before asking again, never spin.
        if (!(err instanceof OpsbotError && err.code === 'E_LOCK_TIMEOUT')) {
          this.deps.log.warn({ err: (err as Error).message, platform: this.deps.adapter.platform }, 'outbox delivery lease unavailable; retrying');
          await pause(unavailable.next(), this.abort.signal);
        }
        continue;
      }
      unavailable.reset();
      try {
        while (!this.abort.signal.aborted && lease.held(LEASE_MARGIN_MS)) await this.period(lease);
      } finally {
        await lease.release();
      }
      if (!this.abort.signal.aborted) this.deps.log.info({ platform: this.deps.adapter.platform }, 'outbox delivery lease ended; standing by');
    }
  }

  /**
   * One delivery period under the lease. What a previous deliverer (a crashed process, a replica
   * that lost the lease) read and never acknowledged is claimed first, then everything pending is
   * read in stream order, then new entries. It ends when the lease is (or may be) lost, when a
   * lane hits a Redis failure, or when entries turn up pending at another consumer: one that lost
   * the lease can have read them after this period's claim (it learns of the loss only at its
   * next renewal), and nothing else would ever claim them while this deliverer keeps the lease —
   * so the next period starts over from the pending list.
   */
  private async period(lease: HeldLock): Promise<void> {
    const cycle = new AbortController();
    this.cycle = cycle;
    const signal = AbortSignal.any([this.abort.signal, cycle.signal]);
    try {
      await this.claimPending();
      await this.read('0', lease, signal);
      let sweepAt = Date.now() + SWEEP_MS;
      while (!signal.aborted && lease.held(LEASE_MARGIN_MS)) {
        await this.read('>', lease, signal);
        if (Date.now() < sweepAt) continue;
        sweepAt = Date.now() + SWEEP_MS;
        const left = await this.leftBehind();
        if (left > 0) {
          this.deps.log.warn(
            { platform: this.deps.adapter.platform, entries: left },
            'outbox entries left pending by another deliverer; claiming them',
          );
          return;
        }
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'outbox read failed; retrying');
      await pause(1000, this.abort.signal);
    } finally {
      cycle.abort();
      await this.settleLanes();
    }
  }

  /** Entries another consumer has held unacknowledged for a lease's length or more (its deliverer is gone or has stopped). */
  private async leftBehind(): Promise<number> {
    const res = (await this.deps.redis.xpending(this.stream, OUTBOX_GROUP, 'IDLE', LEASE_TTL_MS, '-', '+', 100)) as [
      string,
      string,
      number,
      number,
    ][];
    return res.filter(([, consumer]) => consumer !== this.deps.consumer).length;
  }

  private async claimPending(): Promise<void> {
    let cursor = '0-0';
    do {
      const res = (await this.deps.redis.xautoclaim(this.stream, OUTBOX_GROUP, this.deps.consumer, 0, cursor, 'COUNT', 1000, 'JUSTID')) as [
        string,
        string[],
      ];
      cursor = res[0];
    } while (cursor !== '0-0');
  }

  /** '0': this consumer's pending entries, paged by id; '>': new entries, blocking briefly. */
  private async read(from: '0' | '>', lease: HeldLock, signal: AbortSignal): Promise<void> {
    let after: string = from;
    for (;;) {
      while (this.inFlight >= MAX_IN_FLIGHT && !signal.aborted) await sleep(50, signal).catch(() => undefined);
      if (signal.aborted || !lease.held(LEASE_MARGIN_MS)) return;
      const { redis, consumer } = this.deps;
      const res = (
        from === '>'
          ? await redis.xreadgroup('GROUP', OUTBOX_GROUP, consumer, 'COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.stream, '>')
          : await redis.xreadgroup('GROUP', OUTBOX_GROUP, consumer, 'COUNT', 500, 'STREAMS', this.stream, after)
      ) as [string, [string, string[] | null][]][] | null;
      const entries = res?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        after = id;
        const raw = fields?.[1];
        // A pending entry trimmed away has no fields: nothing left to deliver.
        if (!raw) await redis.xack(this.stream, OUTBOX_GROUP, id);
        else this.dispatch({ id, raw, event: JSON.parse(raw) as OutboxEvent }, signal);
      }
      if (from === '>' || entries.length === 0) return;
    }
  }

  private dispatch(entry: Entry, signal: AbortSignal): void {
    const c = entry.event.conversation;
    const name = `${c.platform}:${c.channel}`;
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { queue: [] };
      this.lanes.set(name, lane);
    }
    lane.queue.push(entry);
    this.inFlight++;
    if (!lane.running) this.startLane(name, lane, signal);
  }

  /**
   * Runs a lane until its queue is empty. The lane's end is seen here a few microtasks after it
   * found its queue empty: an entry dispatched in between (a read answered meanwhile) joined a
   * lane still marked running, so nothing else would start it — it is started again here.
   */
  private startLane(name: string, lane: Lane, signal: AbortSignal): void {
    const run: Promise<void> = this.runLane(name, lane, signal).then(() => {
      if (lane.running !== run) return;
      lane.running = undefined;
      if (lane.queue.length === 0) this.lanes.delete(name);
      else if (!signal.aborted) {
        this.deps.log.debug({ where: name, waiting: lane.queue.length }, 'delivery lane started again: entries arrived as it ended');
        this.startLane(name, lane, signal);
      }
    });
    lane.running = run;
  }

  private async runLane(name: string, lane: Lane, signal: AbortSignal): Promise<void> {
    while (lane.queue.length > 0 && !signal.aborted) {
      const head = lane.queue[0]!;
      let taken: Entry[] | undefined;
      try {
        // Notifications wait for the conversation's window before deciding: what piles up meanwhile is folded together.
        if (head.event.notice && !(await pause(this.windows.wait(this.limitsFor(head.event.conversation)), signal))) return;
        if (head.event.digestList) taken = (await this.deliverList(head, signal)) ? [head] : undefined;
        else taken = this.shouldFold(lane) ? await this.deliverDigest(lane, signal) : (await this.deliverOne(head, signal)) ? [head] : undefined;
        if (!taken) return; // stopped mid-way: the entries stay pending for the next deliverer
        await this.deps.redis.xack(this.stream, OUTBOX_GROUP, ...taken.map((e) => e.id));
      } catch (err) {
        // Redis failed under us: end this lease period; the next one claims and rereads what is pending.
        this.deps.log.warn({ err: (err as Error).message, where: name }, 'delivery interrupted; resuming from the pending list');
        this.cycle?.abort();
        return;
      }
      // What was delivered is the queue's first entries (a lane only appends behind them).
      lane.queue.splice(0, taken.length);
      this.inFlight -= taken.length;
    }
  }

  /**
   * The notifications waiting together at the head of a lane, for one conversation (and thread):
   * what a digest folds. Requests for a digest's full list among them are taken too — the fold
   * supersedes them (it asks again if its text is cut).
   */
  private foldable(lane: Lane): Entry[] {
    const head = lane.queue[0];
    if (!head?.event.notice || head.event.notice.headOnly) return [];
    const run: Entry[] = [];
    for (const e of lane.queue) {
      const foldable = (e.event.notice && !e.event.notice.headOnly) || e.event.digestList;
      if (!foldable || e.event.conversation.thread !== head.event.conversation.thread) break;
      run.push(e);
    }
    return run;
  }

  /** Notifications about two operations or more wait together (one operation's states alone get its own message). */
  private shouldFold(lane: Lane): boolean {
    const groups = new Set(this.foldable(lane).flatMap((e) => (e.event.notice ? [e.event.notice.group] : [])));
    return groups.size >= FOLD_FROM;
  }

  /**
   * Several notifications wait together: they become (or join) the conversation's digest, one
   * message edited in place as the burst grows. Each try folds whatever waits by then; the
   * digest's record is saved with its new members before the message is sent, so a crash
   * before the acknowledgement folds the same entries into the same message (its key) again.
   * The entries delivered (or parked, each as itself), or undefined when stopped.
   */
  private async deliverDigest(lane: Lane, signal: AbortSignal): Promise<Entry[] | undefined> {
    const c = lane.queue[0]!.event.conversation;
    let batch: Entry[] = [];
    let listRequest: { key: string; seq: number } | undefined;
    const result = await this.send(c, signal, async () => {
      batch = this.foldable(lane);
      const now = Date.now();
      const ids = new Set(batch.map((e) => e.id));
      let digest = await this.digests.latest(c);
      // Entries already in the record (delivered again after a crash) join it whatever its age.
      const rejoin = digest?.members.some((id) => ids.has(id)) ?? false;
      if (!digest || (!rejoin && (now - digest.updatedAt > DIGEST_OPEN_MS || Object.keys(digest.lines).length >= DIGEST_MAX_LINES)))
        digest = openDigest(`digest:${batch[0]!.id}`, now);
      // One that went out alone just before a crash (posted, not yet acknowledged) is not shown a second time.
      const members = new Set(digest.members);
      const alone = await Promise.all(batch.map(async (e) => !members.has(e.id) && (await this.deps.adapter.wasDelivered?.(e.event)) === true));
      digest = foldDigest(
        digest,
        batch.filter((_, i) => !alone[i]),
        now,
      );
      const { cut, ...message } = renderDigest(digest);
      listRequest = cut ? { key: digest.key, seq: (digest.listSeq ?? 0) + 1 } : undefined;
      if (listRequest) digest.listSeq = listRequest.seq;
      await this.digests.save(c, digest);
      return { conversation: c, key: digest.key, id: digest.key, message };
    });
    if (result === 'stopped') return undefined;
    if (result === 'sent') {
      this.deps.metrics?.outboxFolded.inc({ platform: this.deps.adapter.platform }, batch.length);
      await this.bringHeadsUp(batch);
      // The full list goes behind what waits now: by the time it is reached, later folds have made it stale but the last.
      if (listRequest) await this.append({ conversation: c, key: listRequest.key, message: {}, digestList: listRequest });
    } else for (const e of batch) await this.park(e, result.reason, result.attempts);
    return batch;
  }

  /**
   * A digest's full list, requested when its text had to leave lines out: sent (the digest edited
   * with the list attached) only if it is still the digest's latest request — a burst still
   * growing has made the earlier ones stale, so the list is shared once per settled burst.
   */
  private async deliverList(entry: Entry, signal: AbortSignal): Promise<boolean> {
    const request = entry.event.digestList!;
    const c = entry.event.conversation;
    const digest = await this.digests.get(c, request.key);
    if (digest?.listSeq !== request.seq) return true;
    const { cut: _cut, ...message } = renderDigest(digest, true);
    const result = await this.send(c, signal, async () => ({ conversation: c, key: digest.key, id: digest.key, message }));
    if (result === 'stopped') return false;
    if (result !== 'sent') await this.park(entry, result.reason, result.attempts);
    return true;
  }

  /** After the lease is lost or on stop: lanes finish the call in progress; what they held stays pending. */
  private async settleLanes(): Promise<void> {
    for (let running = this.runningLanes(); running.length > 0; running = this.runningLanes()) await Promise.all(running);
    this.lanes.clear();
    this.inFlight = 0;
  }

  private runningLanes(): Promise<void>[] {
    return [...this.lanes.values()].flatMap((l) => (l.running ? [l.running] : []));
  }

  private limitsFor(c: ConversationRef): RateLimit[] {
    const { adapter } = this.deps;
    return adapter.rateLimits?.(c) ?? [{ key: `${c.platform}:${c.channel}`, max: 1, windowMs: adapter.pacingMs }];
  }

  /**
   * An operation whose first notification went out alone (its own message) and whose later state
   * went into the digest: its message is edited to that state too, so the two never disagree.
   * An edit refused for a rate limit (Slack's chat.update limit is the workspace's) goes back into
   * the outbox, behind what waits, to be made within the limits like any message; another refusal
   * is logged (the digest shows the state either way).
   */
  private async bringHeadsUp(batch: Entry[]): Promise<void> {
    await Promise.all(
      batch.map(async (e) => {
        const notice = e.event.notice;
        if (!notice) return;
        const { id: _id, ...event } = e.event;
        const head: OutboxEvent = { ...event, notice: { ...notice, headOnly: true } };
        await this.deps.adapter.deliver(head).catch(async (err: unknown) => {
          if (err instanceof DeliveryError && err.opts.retryAfterMs !== undefined) return this.append(head);
          this.deps.log.warn({ err: (err as Error).message, key: e.event.key }, 'operation message not brought to its latest state');
        });
      }),
    );
  }

  /** Written by the lane itself (a digest's full list, an operation's message to bring up to date): delivered in its turn. */
  private async append(event: OutboxEvent): Promise<void> {
    await this.deps.redis.xadd(this.stream, 'MAXLEN', '~', String(OUTBOX_MAXLEN), '*', 'e', JSON.stringify(event));
  }

  /** True when delivered or parked (acknowledge it); false when stopped before either. */
  private async deliverOne(entry: Entry, signal: AbortSignal): Promise<boolean> {
    const result = await this.send(entry.event.conversation, signal, async () => entry.event);
    if (result === 'stopped') return false;
    if (result !== 'sent') await this.park(entry, result.reason, result.attempts);
    else if (entry.event.afterDelivery) await this.followUp(entry, entry.event.afterDelivery);
    return true;
  }

  /**
   * The message is in chat: its follow-up is queued with where it landed. Once per entry (a
   * delivery repeated after a crash queues nothing new); best effort — the message is out either
   * way, and a follow-up not queued only leaves the comment naming the chat in words.
   */
  private async followUp(entry: Entry, work: FollowUp): Promise<void> {
    const { adapter, log, followUp } = this.deps;
    if (!followUp) return;
    const c = entry.event.conversation;
    try {
      const link = (await adapter.linkTo?.(entry.event)) ?? { text: `${c.platform} conversation ${c.channel}` };
      await followUp(work, { link, conversation: c, once: `after-delivery:${adapter.platform}:${entry.id}` });
    } catch (err) {
      log.warn({ err: (err as Error).message, key: entry.event.key, kind: work.kind }, 'follow-up of a delivered message not queued');
    }
  }

  /**
   * Sends what `prepare` gives (asked again before each try) within the conversation's limits,
   * retrying rate limits and transient failures: 'sent', 'stopped', or why it was given up.
   */
  private async send(
    c: ConversationRef,
    signal: AbortSignal,
    prepare: () => Promise<OutboxEvent>,
  ): Promise<'sent' | 'stopped' | { reason: string; attempts: number }> {
    const { adapter, log, metrics } = this.deps;
    const platform = adapter.platform;
    const where = `${c.platform}:${c.channel}`;
    const limits = this.limitsFor(c);
    for (let attempt = 1, failed = 0, limited = 0; ; attempt++) {
      const wait = this.windows.reserve(limits);
      if (wait > 0 && !(await pause(wait, signal))) return 'stopped';
      const event = await prepare();
      try {
        await adapter.deliver(event);
        metrics?.outboxDelivered.inc({ platform });
        return 'sent';
      } catch (err) {
        if (signal.aborted) return 'stopped';
        const d = err instanceof DeliveryError ? err.opts : {};
        const reason = (err as Error).message;
        if (d.retryAfterMs !== undefined) limited++;
        else failed++;
        if (d.permanent || failed >= MAX_ATTEMPTS || limited >= MAX_RATE_LIMITED) return { reason, attempts: attempt };
        const delay = d.retryAfterMs ?? backoffDelay(failed, { baseMs: 500, maxMs: 30_000, jitter: 'none' });
        // A 429 is about this conversation's window (Slack: per channel): only this lane waits.
        if (d.retryAfterMs !== undefined && limits[0]) this.windows.block(limits[0], delay);
        log.warn({ where, delay, attempt, err: reason }, 'delivery retried');
        if (!(await pause(d.retryAfterMs !== undefined ? 0 : delay, signal))) return 'stopped';
      }
    }
  }

  private async park(entry: Entry, reason: string, attempts: number): Promise<void> {
    const { adapter, log, audit, metrics } = this.deps;
    const where = `${entry.event.conversation.platform}:${entry.event.conversation.channel}`;
    await this.parked.park({ id: entry.id, platform: adapter.platform, payload: entry.raw, reason, attempts, parkedAt: Date.now() });
    metrics?.outboxParked.inc({ platform: adapter.platform });
    log.error(
      { err: reason, where, key: entry.event.key, id: entry.id },
      'message not delivered: parked (opsbot outbox parked / opsbot outbox retry)',
    );
    await audit
      ?.append({
        actor: 'opsbot',
        platform: entry.event.conversation.platform,
        action: 'deliver',
        target: where,
        result: 'failed',
        detail: `parked as ${entry.id}: ${reason}`,
      })
      .catch(() => undefined);
  }
}

/** Sleeps unless stopped; false when stopped. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) await sleep(ms, signal).catch(() => undefined);
  return !signal.aborted;
}

/** What waits in a platform's outbox, for the metrics: entries not yet delivered, and how long the oldest has waited. */
export async function outboxBacklog(redis: Redis, platform: Platform): Promise<{ waiting: number; oldestAgeS: number }> {
  const stream = outboxStream({ platform, channel: '' });
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as (string | number | null)[][];
  const group = groups.map((g) => fields(g)).find((g) => g.name === OUTBOX_GROUP);
  const firstAfter = async (id: string) => (await redis.xrange(stream, id, '+', 'COUNT', 1))[0]?.[0];
  let waiting: number;
  let oldest: string | undefined;
  if (!group) {
    // No deliverer has started yet: it will read the stream from its start, so all of it waits.
    waiting = await redis.xlen(stream);
    oldest = await firstAfter('-');
  } else {
    const lag = Number(group.lag ?? 0);
    waiting = Number(group.pending ?? 0) + lag;
    // The oldest waiting entry is the oldest pending one, or else the first after what the group has read.
    const summary = (await redis.xpending(stream, OUTBOX_GROUP)) as [number, string | null, string | null, unknown];
    oldest = summary[1] ?? (lag > 0 ? await firstAfter(`(${String(group['last-delivered-id'])}`) : undefined);
  }
  // Stream ids begin with the publish time in ms.
  const at = oldest ? Number(oldest.split('-')[0]) : undefined;
  return { waiting, oldestAgeS: at ? Math.max(0, (Date.now() - at) / 1000) : 0 };
}

function fields(flat: (string | number | null)[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1] ?? null;
  return out;
}
