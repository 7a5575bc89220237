import { isOpsbotError, OpsbotError } from '../core/errors.js';
import type { Field, Message, Progress } from '../core/message.js';
import type { DeployedApp } from './deploy-target.js';
import { followCommit } from './gitops-follow-up.js';
import type { ArgoCd, GitopsRepo } from './seams.js';
import type { Config } from '../core/config/schema.js';

/** One app of a group change, and what the commit did to it (the title of its follow-up). */
export interface GroupMember {
  target: DeployedApp;
  committed: Message;
}

export type Outcome = { app: string; message: Message } | { app: string; error: OpsbotError };

/**
 * Each changed app's Application followed at the same time (Argo CD syncs them at once) from
 * one commit — a group deploy's own, or the merge commit of its pull request; the
 * conversation's one message shows where each stands. One app failing does not stop the others.
 */
export async function followEach(
  deps: { config: Config; argocd: ArgoCd; repo: Pick<GitopsRepo, 'relate'> },
  members: GroupMember[],
  sha: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<Outcome[]> {
  const latest = new Map<string, Message>();
  const overall = (m: Message) => m.fields?.find((f) => f.label === 'Stages')?.value ?? m.text ?? m.context ?? '…';
  const progressOf =
    (app: string): Progress =>
    (m) => {
      latest.set(app, m);
      return progress({
        status: 'progress',
        title: `Deploying ${members.map((x) => x.target.app).join(', ')}: waiting for Argo CD…`,
        fields: [...latest].map(([a, msg]) => ({ label: a, value: overall(msg) })),
      });
    };
  return Promise.all(
    members.map(async ({ target, committed }): Promise<Outcome> => {
      try {
        return { app: target.app, message: await followCommit(deps, target, sha, committed, progressOf(target.app), signal) };
      } catch (err) {
        if (signal.aborted || !isOpsbotError(err)) throw err;
        return { app: target.app, error: err };
      }
    }),
  );
}

/** ` — synced and healthy…` or ` — failed: …` after an app's line; nothing when it was not followed. */
export function outcomeSuffix(o: Outcome | undefined): string {
  if (!o) return '';
  if ('error' in o) return ` — failed: ${o.error.userMessage}`;
  return o.message.text ? ` — ${o.message.text.split('\n')[0]}` : '';
}

/**
 * The end of a group's follow-up: a failed app fails the job, whose text lists every app's line
 * after `failedIntro`; otherwise the pods of each app and the warning of a superseded one.
 */
export function groupResult(outcomes: Outcome[], lines: Field[], failedIntro: string): Pick<Message, 'status' | 'code' | 'context'> {
  const failed = outcomes.filter((o): o is Extract<Outcome, { error: OpsbotError }> => 'error' in o);
  if (failed.length > 0) {
    const text = [failedIntro, ...lines.map((l) => `${l.label}: ${l.value}`)].join('\n');
    throw new OpsbotError(failed[0]!.error.code, text, { cause: failed[0]!.error });
  }
  const followed = outcomes.flatMap((o) => ('message' in o ? [o] : []));
  const messages = followed.map((o) => o.message);
  const pods = followed.filter((o) => o.message.code).map((o) => `${o.app}\n${o.message.code}`);
  const context = messages.find((m) => m.context?.startsWith('Argo CD follow-up skipped'))?.context;
  return {
    status: messages.some((m) => m.status === 'warning') ? 'warning' : 'success',
    ...(pods.length ? { code: pods.join('\n\n') } : {}),
    ...(context ? { context } : {}),
  };
}
