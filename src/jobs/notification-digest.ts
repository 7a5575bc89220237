import type { Message, MessageStatus, NoticeOutcome } from '../core/message.js';
import type { OutboxEvent, OutboxNotice } from './outbox.js';

/**
 * A burst of notifications to one conversation, folded into one message (the lane decides when:
 * outbox-delivery.ts). One line per operation, at the latest state the burst brought (by rank);
 * failures listed first, each with what went wrong, and never left out of the counts; every
 * line's full text in an attached list when the message cannot hold them all. Pure: the record
 * is kept in Redis by open-digests.ts, so a crash folds the same entries into the same lines.
 */
export interface DigestLine extends Omit<OutboxNotice, 'group'> {
  /** The notification's own headline (`worker-prod failed to sync`). */
  title: string;
  /** What went wrong or what it says beyond the headline (the operation's message, unhealthy resources). */
  detail?: string;
}

export interface Digest {
  /** The digest message's outbox key: a retry or a later fold edits the same message. */
  key: string;
  openedAt: number;
  updatedAt: number;
  /** Outbox entry ids folded in: the same entries, delivered again after a crash, join this digest again. */
  members: string[];
  /** By operation (notification group key). */
  lines: Record<string, DigestLine>;
  /** The latest request for the full list (outbox-delivery.ts): only that one is sent. */
  listSeq?: number;
}

/** What the message text holds at most (Telegram takes 4,096 characters, Slack's fallback text ~4,000). */
const TEXT_BUDGET = 3200;
/** Failures get this much of it before the rest go to the attached list; one failure's detail at most `DETAIL_MAX`. */
const FAILURE_BUDGET = 2400;
const DETAIL_MAX = 240;
const ORDER: NoticeOutcome[] = ['failed', 'warning', 'running', 'succeeded', 'info'];
const MARK: Record<NoticeOutcome, string> = { failed: '✖', warning: '⚠', running: '…', succeeded: '✔', info: 'ℹ' };

export function openDigest(key: string, now: number): Digest {
  return { key, openedAt: now, updatedAt: now, members: [], lines: {} };
}

/** Folds entries (all with a notice) into the digest; an operation keeps its highest-ranked state, the later one on a tie. */
export function foldDigest(digest: Digest, entries: { id: string; event: OutboxEvent }[], now: number): Digest {
  const lines = { ...digest.lines };
  const members = new Set(digest.members);
  for (const { id, event } of entries) {
    members.add(id);
    const n = event.notice;
    if (!n) continue;
    const before = lines[n.group];
    if (before && before.rank > n.rank) continue;
    lines[n.group] = {
      app: n.app,
      rank: n.rank,
      outcome: n.outcome,
      label: n.label,
      title: event.message.title ?? `${n.app} ${n.label}`,
      detail: detailOf(event.message),
    };
  }
  return { ...digest, updatedAt: now, members: [...members], lines };
}

function detailOf(m: Message): string | undefined {
  const text = [m.text, m.code]
    .filter((s): s is string => !!s)
    .join('\n')
    .trim();
  return text ? text : undefined;
}

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s*\n\s*/g, ' · ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The lines grouped as the message shows them: failures first, then warnings, running, succeeded, info; by label; by app. */
function groups(digest: Digest): { outcome: NoticeOutcome; label: string; lines: DigestLine[] }[] {
  const by = new Map<string, { outcome: NoticeOutcome; label: string; lines: DigestLine[] }>();
  for (const l of Object.values(digest.lines)) {
    const k = `${l.outcome}|${l.label}`;
    const g = by.get(k) ?? { outcome: l.outcome, label: l.label, lines: [] };
    g.lines.push(l);
    by.set(k, g);
  }
  const list = [...by.values()];
  for (const g of list) g.lines.sort((a, b) => a.app.localeCompare(b.app));
  return list.sort(
    (a, b) => ORDER.indexOf(a.outcome) - ORDER.indexOf(b.outcome) || b.lines.length - a.lines.length || a.label.localeCompare(b.label),
  );
}

/**
 * The digest as a message, and whether it had to leave lines out of its text (they are in the
 * full list, attached when `withList`: once the burst has settled, not at every fold).
 */
export function renderDigest(digest: Digest, withList = false): Message & { cut: boolean } {
  const gs = groups(digest);
  const total = Object.keys(digest.lines).length;
  const counts = gs.map((g) => `${g.lines.length} ${g.label} ${MARK[g.outcome]}`);
  const has = (o: NoticeOutcome) => gs.some((g) => g.outcome === o);
  const status: MessageStatus = has('failed') ? 'failure' : has('warning') ? 'warning' : has('running') ? 'progress' : 'success';

  const out: string[] = [];
  let used = 0;
  let cut = false;
  const add = (line: string, budget: number): boolean => {
    if (used + line.length + 1 > budget) {
      cut = true;
      return false;
    }
    out.push(line);
    used += line.length + 1;
    return true;
  };
  // Failures first, each with its detail, as many as the budget holds; the rest are counted.
  for (const g of gs.filter((x) => x.outcome === 'failed')) {
    const shown = g.lines.filter((l) =>
      add(`${MARK.failed} ${l.title}${l.detail ? `: ${oneLine(l.detail, DETAIL_MAX)}` : ''}`, FAILURE_BUDGET),
    ).length;
    if (shown < g.lines.length) add(`${MARK.failed} … and ${g.lines.length - shown} more ${g.label} (all in the attached list)`, TEXT_BUDGET);
  }
  for (const g of gs.filter((x) => x.outcome !== 'failed')) {
    const head = `${MARK[g.outcome]} ${g.label} (${g.lines.length}): `;
    const names: string[] = [];
    let len = head.length;
    for (const l of g.lines) {
      if (used + len + l.app.length + 40 > TEXT_BUDGET) break;
      names.push(l.app);
      len += l.app.length + 2;
    }
    const rest = g.lines.length - names.length;
    if (rest > 0) cut = true;
    add(`${head}${names.join(', ')}${rest > 0 ? `${names.length ? ', ' : ''}… and ${rest} more` : ''}`, TEXT_BUDGET + 200);
  }
  return {
    status,
    title: `${total} Argo CD ${total === 1 ? 'Application' : 'Applications'}: ${counts.join(' · ')}`,
    text: out.join('\n'),
    context: cut
      ? withList
        ? 'Every Application’s outcome and details are in the attached list.'
        : 'The full list of every Application’s outcome follows when the burst settles.'
      : undefined,
    attachment: cut && withList ? { name: `notifications-${total}.txt`, content: fullList(gs) } : undefined,
    cut,
  };
}

/** Every line with its whole detail, in the message's order. */
function fullList(gs: { outcome: NoticeOutcome; label: string; lines: DigestLine[] }[]): string {
  return gs
    .flatMap((g) => [
      `${MARK[g.outcome]} ${g.label} (${g.lines.length})`,
      ...g.lines.map((l) => `  ${l.title}${l.detail ? `\n    ${l.detail.replace(/\n/g, '\n    ')}` : ''}`),
      '',
    ])
    .join('\n');
}
