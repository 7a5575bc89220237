/**
 * Follows one pushed commit through Argo CD until it is synced and healthy, editing ONE
 * progress message through the stages (with how long each took). It asks Argo CD to look at
 * the repository now (the `argocd.argoproj.io/refresh: normal` annotation, which the
 * application controller removes when it has refreshed) instead of waiting for the next poll
 * (3 min by default, `timeout.reconciliation` in argocd-cm).
 */
import { OpsbotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Field, Message, Progress } from '../core/message.js';
import { errorConditions, operationRevisions, revisionText, sameRevision, shortRevision, syncedRevisions, type Application } from './application.js';
import type { ApplicationWatcher } from './application-watcher.js';
import { assessDeploy, DEPLOY_STAGES, type DeployStage, type DeployVerdict } from './deploy-stage.js';
import { ArgocdError } from './errors.js';
import type { KubeConnection } from './kube.js';
import { RevisionRelations, type RevisionLineage } from './revision-lineage.js';

export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/**
 * While Argo CD says Progressing, the pods are looked at this often: Argo CD keeps a Deployment
 * whose pods cannot pull their image Progressing until its progressDeadlineSeconds (600 s by
 * default), so the pods are where a doomed rollout shows first.
 */
export const ROLLOUT_POLL_MS = 2_000;

/** When Argo CD says Healthy before the workloads have rolled out: the last step is short, look often. */
export const HEALTHY_RECHECK_MS = 200;

/** What the workloads show while they roll out; `failure` ends the follow-up at once. */
export interface RolloutView {
  fields: Field[];
  /** Every workload runs the new spec, all replicas available; false keeps a Healthy verdict waiting. */
  complete?: boolean;
  failure?: string;
}

export interface FollowRequest {
  namespace: string;
  /** The Application's name. */
  name: string;
  /** The pushed commit (full SHA; an abbreviation of ≥ 7 characters also matches). */
  revision: string;
  timeoutMs: number;
  /** Edits the one message that shows the deploy's stages. */
  progress: Progress;
  signal?: AbortSignal;
  repoWebUrl?: string;
  /** Whether a later revision contains the commit (the GitOps clone); without it only the exact commit counts. */
  lineage?: RevisionLineage;
  /** Reads the rollout while Argo CD says progressing (every ROLLOUT_POLL_MS). */
  rollout?: (app: Application) => Promise<RolloutView>;
}

export interface DeployTrackerOptions {
  kube: KubeConnection;
  /** A started watcher over the Application's namespace (one per process, shared). */
  watcher: ApplicationWatcher;
  logger?: Logger;
  now?: () => number;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** "committed 0.4s → out of sync 2.0s → syncing 5.1s → progressing …" */
export function stageLine(entered: Map<DeployStage, number>, now: number, finished: boolean): string {
  const reached = DEPLOY_STAGES.filter((s) => entered.has(s));
  return reached
    .map((s, i) => {
      const start = entered.get(s)!;
      const next = reached[i + 1];
      const end = next !== undefined ? entered.get(next)! : now;
      if (s === 'healthy') return 'healthy';
      return `${s} ${seconds(end - start)}${next === undefined && !finished ? ' …' : ''}`;
    })
    .join(' → ');
}

/** What the progress message says under the stages: error conditions, and a sync Argo CD is retrying. */
export function progressText(app: Application): string | undefined {
  const lines = errorConditions(app).map((c) => `${c.type}: ${c.message ?? ''}`);
  const op = app.operationState;
  if (op?.phase === 'Running' && op.retryCount > 0 && op.message)
    lines.push(`Argo CD retries the sync (${op.retryCount} failed so far): ${op.message}`);
  return lines.join('\n') || undefined;
}

export class DeployTracker {
  private readonly now: () => number;

  constructor(private readonly opts: DeployTrackerOptions) {
    this.now = opts.now ?? Date.now;
  }

  async follow(req: FollowRequest): Promise<Message> {
    const { namespace, name, revision } = req;
    const started = this.now();
    const entered = new Map<DeployStage, number>([['committed', started]]);
    const relations = new RevisionRelations(revision, req.lineage);
    let rolloutFields: Field[] = [];
    const title = `${name}: deploying ${shortRevision(revision)}`;
    const render = (status: Message['status'], text: string | undefined, app: Application | undefined, finished: boolean): Message => ({
      status,
      title,
      text,
      fields: [
        { label: 'Stages', value: stageLine(entered, this.now(), finished) },
        { label: 'Revision', value: revisionText([revision], req.repoWebUrl) },
        ...(app
          ? [
              { label: 'Sync', value: app.sync.status ?? 'unknown' },
              { label: 'Health', value: app.health.status ?? 'unknown' },
            ]
          : []),
        ...(finished ? [] : rolloutFields),
      ],
      context: `Argo CD Application ${namespace}/${name}, ${seconds(this.now() - started)}`,
    });

    await this.opts.watcher.waitForSync(req.signal);
    // Ask for a refresh now; this also proves the Application exists and we may patch it.
    const patched = await this.opts.kube.annotateApplication(namespace, name, { [REFRESH_ANNOTATION]: 'normal' });
    await req.progress(render('progress', undefined, patched, false));

    return new Promise<Message>((resolve, reject) => {
      let settled = false;
      let lastStage: DeployStage = 'committed';
      let latest: Application | undefined = patched;
      const finish = (err: Error | undefined, message: Message) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearTimeout(timer);
        if (poller) clearInterval(poller);
        clearTimeout(recheck);
        req.signal?.removeEventListener('abort', onAbort);
        // The last edit shows the outcome; the caller posts its own final message.
        req.progress(message).then(
          () => (err ? reject(err) : resolve(message)),
          () => (err ? reject(err) : resolve(message)),
        );
      };
      const fail = (code: ConstructorParameters<typeof ArgocdError>[0], reason: string) =>
        finish(new ArgocdError(code, `${name} ${shortRevision(revision)}: ${reason}`), render('failure', reason, latest, true));

      const succeed = (app: Application, at: string) => {
        entered.set('healthy', this.now());
        const where = sameRevision(at, revision) ? '' : ` at ${shortRevision(at)}, which contains it`;
        finish(undefined, render('success', `${name} runs ${shortRevision(revision)}: synced and healthy${where}`, app, true));
      };
      const superseded = (app: Application, by: string, jobId: string | undefined) =>
        finish(undefined, {
          ...render(
            'warning',
            `superseded by ${shortRevision(by)}${jobId ? ` (job ${jobId})` : ''}: Argo CD runs a newer change of the same file`,
            app,
            true,
          ),
          title: `${title}: superseded`,
        });

      let lastText: string | undefined;
      const moveTo = (next: DeployStage, app: Application, rolloutChanged: boolean) => {
        const forward = DEPLOY_STAGES.indexOf(next) > DEPLOY_STAGES.indexOf(lastStage);
        const text = progressText(app);
        // Stages only move forward in the message: a later stage implies the earlier ones.
        if (!forward && !rolloutChanged && text === lastText) return;
        lastText = text;
        if (forward) {
          lastStage = next;
          entered.set(next, this.now());
        }
        req.progress(render('progress', text, app, false)).catch((err: unknown) => {
          this.opts.logger?.warn({ err }, 'deploy progress edit failed');
        });
      };

      const evaluate = async () => {
        const app = latest;
        if (settled || !app) return;
        const revisions = [...syncedRevisions(app), ...(app.operationState ? operationRevisions(app.operationState) : [])];
        // A question git could not answer now stays open: the next event (at the latest Argo CD's
        // next reconcile) asks again.
        await relations.resolve(revisions).catch((err: unknown) => this.opts.logger?.warn({ err }, 'revision lineage unavailable'));
        if (settled || app !== latest) return;
        const verdict: DeployVerdict = assessDeploy(app, revision, (r) => relations.get(r));
        if (verdict.done && 'superseded' in verdict) return superseded(app, verdict.superseded.by, verdict.superseded.jobId);
        if (verdict.done && !verdict.ok) return fail('E_DEPLOY_FAILED', verdict.reason);
        const healthyAt = verdict.done ? verdict.revision : undefined;
        if (healthyAt !== undefined && !req.rollout) return succeed(app, healthyAt);
        // Argo CD can say Healthy from a live state read before the workload's controller saw the
        // new spec: a Healthy verdict still waits until the workloads themselves have rolled out.
        const stageNow: DeployStage = verdict.done ? 'progressing' : verdict.stage;
        let rolloutChanged = false;
        if (stageNow === 'progressing' && req.rollout) {
          poller ??= setInterval(() => consider(latest!), ROLLOUT_POLL_MS);
          const view = await req.rollout(app).catch((err: unknown) => {
            this.opts.logger?.warn({ err }, 'rollout not readable');
            return undefined;
          });
          if (settled) return;
          if (view?.failure) return fail('E_DEPLOY_FAILED', view.failure);
          if (healthyAt !== undefined && view?.complete !== false) return succeed(app, healthyAt);
          // Argo CD already says Healthy: the rollout is about to finish, look again soon.
          if (healthyAt !== undefined) {
            clearTimeout(recheck);
            recheck = setTimeout(() => consider(latest!), HEALTHY_RECHECK_MS);
          }
          if (view && JSON.stringify(view.fields) !== JSON.stringify(rolloutFields)) {
            rolloutFields = view.fields;
            rolloutChanged = true;
          }
        }
        moveTo(stageNow, app, rolloutChanged);
      };
      // One evaluation at a time, in the order the events came: answers from git are awaited.
      let chain: Promise<void> = Promise.resolve();
      let poller: ReturnType<typeof setInterval> | undefined;
      let recheck: ReturnType<typeof setTimeout> | undefined;
      const consider = (app: Application) => {
        latest = app;
        chain = chain.then(evaluate).catch((err: unknown) => this.opts.logger?.warn({ err }, 'deploy follow-up evaluation failed'));
      };

      const unsubscribe = this.opts.watcher.subscribe((type, app) => {
        if (!app || app.namespace !== namespace || app.name !== name) return;
        if (type === 'DELETED') return fail('E_ARGOCD_APP_MISSING', 'the Argo CD Application was deleted while the deploy was followed');
        if (app.deletionTimestamp) return fail('E_ARGOCD_APP_MISSING', 'the Argo CD Application is being deleted');
        consider(app);
      });
      const timer = setTimeout(() => {
        const where = latest ? `; Argo CD says sync ${latest.sync.status ?? 'unknown'}, health ${latest.health.status ?? 'unknown'}` : '';
        const why = latest?.operationState?.message ? ` (${latest.operationState.message})` : '';
        fail('E_DEPLOY_TIMEOUT', `not synced and healthy after ${seconds(req.timeoutMs)}, still ${lastStage}${where}${why}`);
      }, req.timeoutMs);
      const onAbort = () =>
        finish(new OpsbotError('E_JOB_INTERRUPTED', `following ${name} was cancelled`), render('warning', 'cancelled', latest, true));
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      // Events between the patch and the subscription are in the cache: take the newer copy.
      const cached = this.opts.watcher.get(namespace, name);
      consider(cached && Number(cached.resourceVersion) >= Number(patched.resourceVersion) ? cached : patched);
    });
  }
}
