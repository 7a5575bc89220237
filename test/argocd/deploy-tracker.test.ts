import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { Message } from '../../src/core/message.js';
import type { Reporter } from '../../src/jobs/reporter.js';
import { ApplicationWatcher } from '../../src/argocd/application-watcher.js';
import { DeployTracker, REFRESH_ANNOTATION } from '../../src/argocd/deploy-tracker.js';
import { ARGO, adminKubeConfig, createApplication, patchApplicationStatus, titled } from '../support/testenv.js';
import { createNamespace, deleteNamespace, env, opsbotConnection, until } from './kube-env.js';
import { REV_A, REV_B, at, operation, status } from './fixtures.js';

/**
 * The deploy tracker stage by stage, against the real kube-apiserver, with the Application's
 * status written by the test. Why hand-written (the real loop's follow-ups are in
 * gitops-loop.test.ts): every stage held long enough to be seen in the one edited message,
 * "Degraded after the sync" (Argo CD says Degraded for a Deployment only after its
 * progressDeadlineSeconds, 600 s), an Application deleted mid-follow, and a timeout.
 */

if (!env.kube.available) console.warn(`argocd deploy tracker tests skipped: ${env.kube.reason}`);

/** A Reporter that keeps what it was asked to show (the job's one message, edited). */
function recordingReporter(): Reporter & { edits: Message[] } {
  const edits: Message[] = [];
  const keep = async (m: Message) => void edits.push(m);
  return { edits, progress: keep, detail: keep, succeeded: keep, failed: keep, cancelled: keep, answered: keep };
}

describe.skipIf(!env.kube.available)(titled('DeployTracker against the real kube-apiserver', env.kube), () => {
  const admin = env.kube.available ? adminKubeConfig() : undefined!;
  let ns: string;
  let watcher: ApplicationWatcher;
  let tracker: DeployTracker;

  beforeAll(async () => {
    ns = await createNamespace('opsbot-deploy');
    const kube = opsbotConnection();
    watcher = new ApplicationWatcher({ kube, namespaces: [ns] });
    watcher.start();
    tracker = new DeployTracker({ kube, watcher });
  });
  afterAll(async () => {
    await watcher?.stop();
    await deleteNamespace(ns);
  });

  async function appOnRevA(name: string) {
    await createApplication(admin, ns, name);
    await patchApplicationStatus(admin, ns, name, status({ revision: REV_A, op: operation('Succeeded', REV_A, at(0), at(1)), reconciledAt: at(2) }));
    await until('in cache', () => watcher.get(ns, name)?.sync.revision === REV_A);
  }

  it('refresh annotation, then committed → out of sync → syncing → progressing → healthy, in one edited message', async () => {
    await appOnRevA('web');
    const reporter = recordingReporter();
    const done = tracker.follow({ namespace: ns, name: 'web', revision: REV_B, timeoutMs: 20_000, progress: reporter.progress });
    await until('refresh requested', () => watcher.get(ns, 'web')?.annotations[REFRESH_ANNOTATION] === 'normal');
    // Argo CD's controller: refresh sees the new commit, syncs it, health follows.
    await patchApplicationStatus(admin, ns, 'web', status({ sync: 'OutOfSync', revision: REV_B, reconciledAt: at(5) }));
    await until('out of sync', () => reporter.edits.some((m) => m.fields?.[0]?.value.includes('out of sync')));
    await patchApplicationStatus(admin, ns, 'web', status({ sync: 'OutOfSync', revision: REV_B, op: operation('Running', REV_B, at(6)) }));
    await until('syncing', () => reporter.edits.some((m) => m.fields?.[0]?.value.includes('syncing')));
    await patchApplicationStatus(
      admin,
      ns,
      'web',
      status({ revision: REV_B, health: 'Progressing', op: operation('Succeeded', REV_B, at(6), at(8)), reconciledAt: at(9) }),
    );
    await until('progressing', () => reporter.edits.some((m) => m.fields?.[0]?.value.includes('progressing')));
    await patchApplicationStatus(
      admin,
      ns,
      'web',
      status({ revision: REV_B, health: 'Healthy', op: operation('Succeeded', REV_B, at(6), at(8)), reconciledAt: at(12) }),
    );
    const final = await done;
    expect(final.status).toBe('success');
    expect(final.fields?.[0]?.value).toMatch(/^committed [\d.]+s → out of sync [\d.]+s → syncing [\d.]+s → progressing [\d.]+s → healthy$/);
    expect(reporter.edits.every((m) => m.title === 'web: deploying 0123456')).toBe(true);
  });

  it('degraded after the sync ends it with the resources and why', async () => {
    await appOnRevA('deg');
    const reporter = recordingReporter();
    const done = tracker.follow({ namespace: ns, name: 'deg', revision: REV_B, timeoutMs: 20_000, progress: reporter.progress });
    done.catch(() => undefined); // asserted below; the rejection may come before the assertion attaches
    await until('refresh requested', () => watcher.get(ns, 'deg')?.annotations[REFRESH_ANNOTATION] === 'normal');
    await patchApplicationStatus(admin, ns, 'deg', {
      ...status({ revision: REV_B, health: 'Degraded', op: operation('Succeeded', REV_B, at(6), at(8)), reconciledAt: at(9) }),
      resources: [
        {
          kind: 'Deployment',
          name: 'deg',
          namespace: 'deg',
          status: 'Synced',
          health: { status: 'Degraded', message: 'Deployment "deg" exceeded its progress deadline' },
        },
      ],
    });
    await expect(done).rejects.toMatchObject({ code: 'E_DEPLOY_FAILED', message: expect.stringContaining('exceeded its progress deadline') });
    expect(reporter.edits.at(-1)?.status).toBe('failure');
  });

  it('a failed sync ends it with the operation message', async () => {
    await appOnRevA('fail');
    const done = tracker.follow({ namespace: ns, name: 'fail', revision: REV_B, timeoutMs: 20_000, progress: recordingReporter().progress });
    done.catch(() => undefined); // asserted below; the rejection may come before the assertion attaches
    await until('refresh requested', () => watcher.get(ns, 'fail')?.annotations[REFRESH_ANNOTATION] === 'normal');
    await patchApplicationStatus(
      admin,
      ns,
      'fail',
      status({
        sync: 'OutOfSync',
        revision: REV_B,
        op: operation('Failed', REV_B, at(6), at(8), 'one or more synchronization tasks completed unsuccessfully'),
        reconciledAt: at(9),
      }),
    );
    await expect(done).rejects.toMatchObject({
      code: 'E_DEPLOY_FAILED',
      message: expect.stringContaining('one or more synchronization tasks completed unsuccessfully'),
    });
  });

  it('the Application deleted while followed', async () => {
    await appOnRevA('gone');
    const done = tracker.follow({ namespace: ns, name: 'gone', revision: REV_B, timeoutMs: 20_000, progress: recordingReporter().progress });
    done.catch(() => undefined); // asserted below; the rejection may come before the assertion attaches
    await until('refresh requested', () => watcher.get(ns, 'gone')?.annotations[REFRESH_ANNOTATION] === 'normal');
    await admin.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...ARGO, namespace: ns, name: 'gone' });
    await expect(done).rejects.toMatchObject({ code: 'E_ARGOCD_APP_MISSING' });
  });

  it('an Application that does not exist, and a timeout that says where it got stuck', async () => {
    await expect(
      tracker.follow({ namespace: ns, name: 'nope', revision: REV_B, timeoutMs: 1000, progress: recordingReporter().progress }),
    ).rejects.toMatchObject({ code: 'E_ARGOCD_APP_MISSING' });
    await appOnRevA('slow');
    await expect(
      tracker.follow({ namespace: ns, name: 'slow', revision: REV_B, timeoutMs: 800, progress: recordingReporter().progress }),
    ).rejects.toMatchObject({
      code: 'E_DEPLOY_TIMEOUT',
      message: expect.stringMatching(/not synced and healthy after 0\.8s, still committed; Argo CD says sync Synced, health Healthy/),
    });
  });
});
