import { parseDeployMessage, parseGroupDeployMessage, type Requester } from './deploy-message.js';
import { GitopsError } from './errors.js';
import { replayDeploys, rollbackVersion, type DeployTimeline } from './rollback-target.js';
import type { GitRunner } from './git-runner.js';

/**
 * What was deployed when, read from the git history of one tag file. Opsbot's own commits are
 * parsed from their message; with a `readTag` function, commits made by others (a CI bot, a
 * person) are included too, by reading the file as it was at each commit.
 */
export interface DeployRecord {
  sha: string;
  /** `rollback` for opsbot's rollback commits; every other change of the tag is a deploy. */
  verb: 'deploy' | 'rollback';
  /** The tag or digest the file held after this commit. */
  tag: string | null;
  /** The one before (null when unknown). */
  from: string | null;
  /** `Alice Example (slack:U024BE7LH)` for opsbot's commits; the git author otherwise. */
  requestedBy: string | null;
  /** Commit time, ISO 8601. */
  when: string;
  /** Set for opsbot's commits. */
  jobId?: string;
  byOpsbot: boolean;
}

/**
 * Reads the app's tag from a version of the file. `app` names whose tag it is: in a file that
 * holds several apps, opsbot's commits of another app are checked against the file like anyone
 * else's (and dropped when they left this app's tag alone).
 */
export type ReadTag = ((text: string) => string | null) & { app?: string };

/** How far back to look: ~600 of ~1,070 commits in the reference repo are image bumps. */
const MAX_COMMITS = 500;

export class DeployHistory {
  constructor(
    private readonly git: GitRunner,
    private readonly workdir: string,
  ) {}

  async readAt(rev: string, file: string): Promise<string | null> {
    const r = await this.git.run(['show', `${rev}:${file}`], { cwd: this.workdir });
    return r.exitCode === 0 ? r.stdout : null;
  }

  /** The most recent `n` deploys of the file, newest first. */
  async list(rev: string, file: string, n: number, readTag?: ReadTag): Promise<DeployRecord[]> {
    // One extra, to fill in `from` of the last one; with readTag, commits that did not change the
    // tag are dropped, so read further (each such commit costs a `git show`).
    return (await this.changes(rev, file, readTag ? 3 * (n + 1) : n + 1, readTag)).slice(0, n);
  }

  /** Every change of the tag the history holds (up to MAX_COMMITS), replayed for /rollback. */
  async timeline(rev: string, file: string, readTag: ReadTag): Promise<DeployTimeline> {
    return replayDeploys((await this.changes(rev, file, MAX_COMMITS, readTag)).reverse());
  }

  /**
   * The version `/rollback` goes to: the one before the last deploy, skipping versions that were
   * rolled back from (rollback-target.ts); with `to`, that version, if the file ever held it.
   */
  async rollbackTarget(rev: string, file: string, readTag: ReadTag, to?: string): Promise<string> {
    const t = await this.timeline(rev, file, readTag);
    if (to !== undefined) {
      if (t.seen.includes(to)) return to;
      throw new GitopsError('E_NOT_IN_HISTORY', `${to} is not in the history of ${file}; nothing was changed. Versions it held: ${t.seen.slice(0, 10).join(', ') || 'none'}.`, file);
    }
    const target = rollbackVersion(t);
    if (target) return target;
    const why = t.rolledBackFrom.size > 0 ? `every earlier version was rolled back from (${[...t.rolledBackFrom].join(', ')})` : 'it has no earlier version';
    throw new GitopsError('E_NO_PREVIOUS', `Nothing to roll back to in ${file}: ${why}. Deploy a version, or pick one with --to <tag>.`, file);
  }

  /** Changes of the tag, newest first: opsbot's commits from their message, others' by reading the file. */
  private async changes(rev: string, file: string, enough: number, readTag?: ReadTag): Promise<DeployRecord[]> {
    const out = await this.git.ok(['log', `-n${MAX_COMMITS}`, '--format=%H%x1f%aI%x1f%an%x1f%B%x1e', rev, '--', file], { cwd: this.workdir });
    const records: DeployRecord[] = [];
    const readFromFile = new Set<DeployRecord>();
    for (const raw of out.split('\x1e')) {
      if (records.length >= enough) break;
      const [sha, when, author, message] = raw.replace(/^\n/, '').split('\x1f');
      if (!sha || !when || message === undefined) continue;
      const parsed = parseDeployMessage(message);
      if (parsed && (readTag?.app === undefined || parsed.app === readTag.app)) {
        records.push({
          sha,
          verb: parsed.verb,
          tag: parsed.to,
          from: parsed.from,
          requestedBy: parsed.requestedBy ? shownRequester(parsed.requestedBy) : null,
          when,
          ...(parsed.jobId ? { jobId: parsed.jobId } : {}),
          byOpsbot: true,
        });
      } else if (readTag) {
        const tag = await this.tagAt(sha, file, readTag);
        // A group deploy names several apps: this app's tag is the one the file holds after it.
        // (Another app's own deploy in the same file is read the same way.)
        const group = parsed ? null : parseGroupDeployMessage(message);
        const by = parsed?.requestedBy ?? group?.requestedBy;
        const jobId = parsed?.jobId ?? group?.jobId;
        const record: DeployRecord =
          parsed || group
            ? { sha, verb: 'deploy', tag, from: null, requestedBy: by ? shownRequester(by) : null, when, ...(jobId ? { jobId } : {}), byOpsbot: true }
            : { sha, verb: 'deploy', tag, from: null, requestedBy: author ?? null, when, byOpsbot: false };
        records.push(record);
        readFromFile.add(record);
      }
    }
    // A commit that touched the file without changing the tag (a label, a comment, a group
    // deploy of another app in the same file) is no deploy.
    const deploys = readTag ? records.filter((r, i) => !readFromFile.has(r) || r.tag !== records[i + 1]?.tag) : records;
    for (let i = 0; i < deploys.length; i++) {
      const older = deploys[i + 1];
      if (deploys[i]!.from === null && older) deploys[i]!.from = older.tag;
    }
    return deploys;
  }

  private async tagAt(rev: string, file: string, readTag: ReadTag): Promise<string | null> {
    const text = await this.readAt(rev, file);
    if (text === null) return null;
    try {
      return readTag(text);
    } catch {
      // An old revision that was broken YAML, or held no such container, has no tag to offer.
      return null;
    }
  }
}

/** `Alice Example (slack:U024BE7LH)`, as /history shows who asked. */
function shownRequester(r: Requester): string {
  return `${r.name} (${r.platform}:${r.id})`;
}
