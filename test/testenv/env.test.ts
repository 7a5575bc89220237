/**
 * The shared test environment from `npm run testenv`, checked from the outside: what the env
 * file promises is there, and the least-privilege token gets exactly what opsbot needs.
 * Non-destructive: objects get unique names and are deleted afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  VersionApi,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARGO,
  adminKubeConfig,
  createApplication,
  createPod,
  opsbotKube,
  opsbotKubeConfig,
  patchApplicationStatus,
  testenv,
  titled,
  writePodStatus,
} from '../support/testenv.js';
import { uniqueName } from './helpers.js';

const env = testenv();

/**
 * A namespace of the test's own for Applications whose status it writes: Argo CD's controller
 * handles only ARGOCD_NAMESPACE's, and would overwrite a hand-written status there.
 */
async function handWrittenNamespace(admin: KubeConfig, cleanup: (() => Promise<unknown>)[]): Promise<string> {
  const name = uniqueName('hand-written');
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  cleanup.push(() => admin.makeApiClient(CoreV1Api).deleteNamespace({ name }));
  return name;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

describe.skipIf(!env.redis.available)(titled('testenv: redis', env.redis), () => {
  it('answers on REDIS_URL', async () => {
    const redis = new Redis(env.redis.env.REDIS_URL ?? '', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });
});

describe.skipIf(!env.tofu.available)(titled('testenv: tofu', env.tofu), () => {
  const tofuEnv = { ...env.tofu.env };
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-tofu-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is the pinned OpenTofu release (or the caller's TF_BINARY) and prints no CLI-config warning", async () => {
    const r = await execa(tofuEnv.TF_BINARY ?? '', ['version'], { env: tofuEnv });
    // Pinned when it comes from `npm run testenv`; any tofu/terraform when TF_BINARY is the caller's.
    const want = env.all.TOFU_VERSION ? `OpenTofu ${env.all.TOFU_VERSION}` : '';
    expect(r.stdout).toMatch(want ? new RegExp(`^${want.replace(/\./g, '\\.')}\\b`) : /^(OpenTofu|Terraform) v\d/);
    expect(r.stderr).toBe('');
  });

  it('init, plan -out, show -json and apply a terraform_data stack offline', async () => {
    writeFileSync(
      join(dir, 'main.tf'),
      'resource "terraform_data" "x" {\n  input = "hello"\n}\noutput "x" {\n  value = terraform_data.x.output\n}\n',
    );
    const run = (args: string[]) => execa(tofuEnv.TF_BINARY ?? '', args, { cwd: dir, env: tofuEnv, stdin: 'ignore' });
    await run(['init', '-input=false', '-no-color']);
    await run(['plan', '-input=false', '-no-color', '-out=tf.plan']);
    const plan = JSON.parse((await run(['show', '-json', 'tf.plan'])).stdout) as {
      resource_changes: { address: string; change: { actions: string[] } }[];
    };
    expect(plan.resource_changes.map((c) => [c.address, c.change.actions])).toEqual([['terraform_data.x', ['create']]]);
    await run(['apply', '-input=false', '-no-color', 'tf.plan']);
    expect(JSON.parse((await run(['output', '-json', 'x'])).stdout)).toBe('hello');
  });
});

// Kubeconfigs load in beforeAll: vitest still runs the body of a skipped describe to collect it.
describe.skipIf(!env.kube.available)(titled('testenv: kube-apiserver with Argo CD CRDs', env.kube), () => {
  let admin: KubeConfig;
  beforeAll(() => {
    admin = adminKubeConfig();
  });
  const ns = env.kube.env.ARGOCD_NAMESPACE ?? 'argocd';
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('reports the pinned version at /version', async () => {
    const v = await admin.makeApiClient(VersionApi).getCode();
    if (env.all.KUBE_VERSION) expect(v.gitVersion).toBe(env.all.KUBE_VERSION);
    else expect(v.gitVersion).toMatch(/^v1\.\d+/);
  });

  it("serves Argo CD's own Application and AppProject CRDs of the pinned release, unchanged, and a default AppProject", async () => {
    const version = env.all.ARGOCD_VERSION ?? 'v3.6.1';
    // Argo CD v3.6 declares go 1.27: downloading it needs that toolchain.
    const goMod = await execa('go', ['mod', 'download', '-json', `github.com/argoproj/argo-cd/v3@${version}`], {
      cwd: tmpdir(),
      env: { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'go1.27.3' },
    });
    const dir = (JSON.parse(goMod.stdout) as { Dir: string }).Dir;
    const objects = admin.makeApiClient(CustomObjectsApi);
    for (const file of ['application-crd.yaml', 'appproject-crd.yaml']) {
      const shipped = parse(readFileSync(join(dir, 'manifests', 'crds', file), 'utf8')) as {
        metadata: { name: string };
        spec: { versions: { name: string; schema: unknown; subresources?: unknown }[] };
      };
      const served = (await objects.getClusterCustomObject({
        group: 'apiextensions.k8s.io',
        version: 'v1',
        plural: 'customresourcedefinitions',
        name: shipped.metadata.name,
      })) as typeof shipped & { status: { conditions: { type: string; status: string }[] } };
      expect(served.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
      expect(served.spec.versions.map((v) => v.schema)).toEqual(shipped.spec.versions.map((v) => v.schema));
      expect(served.spec.versions.map((v) => v.subresources)).toEqual(shipped.spec.versions.map((v) => v.subresources));
    }
    const project = await objects.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'appprojects',
      name: 'default',
    });
    expect(project).toMatchObject({ metadata: { name: 'default', namespace: ns } });
  });

  it('lets a test set an Application status by merge patch (outside the namespace Argo CD watches)', async () => {
    const name = uniqueName('app');
    const own = await handWrittenNamespace(admin, cleanup);
    await createApplication(admin, own, name);
    const patched = await patchApplicationStatus(admin, own, name, { sync: { status: 'OutOfSync' }, health: { status: 'Progressing' } });
    expect(patched.status).toMatchObject({ sync: { status: 'OutOfSync' }, health: { status: 'Progressing' } });
    expect(patched.spec).toMatchObject({ project: 'default' });
  });
});

const opsbotPart = opsbotKube(env);

describe.skipIf(!opsbotPart.available)(titled('testenv: the least-privilege opsbot kubeconfig', opsbotPart), () => {
  let admin: KubeConfig;
  let opsbot: KubeConfig;
  beforeAll(() => {
    admin = adminKubeConfig();
    opsbot = opsbotKubeConfig();
  });
  const ns = env.kube.env.ARGOCD_NAMESPACE ?? 'argocd';
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('lets a test set an Application status by merge patch, and opsbot read, watch and patch it', async () => {
    const name = uniqueName('app');
    const ns = await handWrittenNamespace(admin, cleanup);
    await createApplication(admin, ns, name);
    const events: string[] = [];
    const watch = await new Watch(opsbot).watch(
      `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`,
      { fieldSelector: `metadata.name=${name}` },
      (phase, obj: { status?: { sync?: { status?: string } } }) => events.push(`${phase}:${obj.status?.sync?.status ?? '-'}`),
      () => undefined,
    );
    try {
      const patched = await patchApplicationStatus(admin, ns, name, {
        sync: { status: 'Synced', revision: 'abc123' },
        health: { status: 'Healthy' },
      });
      expect(patched.status).toMatchObject({ sync: { status: 'Synced' }, health: { status: 'Healthy' } });
      const seen = (await opsbot.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...ARGO, namespace: ns, name })) as { status: unknown };
      expect(seen.status).toMatchObject({ sync: { revision: 'abc123' } });
      // opsbot may patch an Application (e.g. to request a refresh): its RBAC allows patch.
      await opsbot
        .makeApiClient(CustomObjectsApi)
        .patchNamespacedCustomObject(
          { ...ARGO, namespace: ns, name, body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      await expect.poll(() => events, { timeout: 10_000 }).toContain('MODIFIED:Synced');
    } finally {
      watch.abort();
    }
  });

  it('lets a test write a Pod status (no kubelet: Pending until then), and opsbot read it', async () => {
    const name = uniqueName('pod');
    const created = await createPod(admin, 'default', name, { labels: { app: name } });
    cleanup.push(() => admin.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: 'default', name }));
    expect(created.status?.phase).toBe('Pending');
    await writePodStatus(admin, 'default', name, {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'registry.example.invalid/app:1.0.0',
          imageID: '',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    });
    const seen = await opsbot.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: `app=${name}` });
    expect(seen.items[0]?.status?.phase).toBe('Running');
    expect(seen.items[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
  });

  it('denies the opsbot token everything else (403)', async () => {
    const core = opsbot.makeApiClient(CoreV1Api);
    const objects = opsbot.makeApiClient(CustomObjectsApi);
    const denied: [string, () => Promise<unknown>][] = [
      ['list secrets', () => core.listNamespacedSecret({ namespace: ns })],
      ['list configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' })],
      [
        'create pods',
        () =>
          core.createNamespacedPod({
            namespace: 'default',
            body: { metadata: { name: uniqueName('nope') }, spec: { containers: [{ name: 'c', image: 'x' }] } },
          }),
      ],
      ['delete pods', () => core.deleteNamespacedPod({ namespace: 'default', name: 'any' })],
      ['create applications', () => createApplication(opsbot, ns, uniqueName('nope'))],
      ['delete applications', () => objects.deleteNamespacedCustomObject({ ...ARGO, namespace: ns, name: 'any' })],
      [
        'list appprojects',
        () => objects.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: ns, plural: 'appprojects' }),
      ],
      ['write pod status', () => writePodStatus(opsbot, 'default', 'any', { phase: 'Running' })],
    ];
    for (const [what, call] of denied) {
      const code = await call().then(() => 200, statusOf);
      expect({ what, code }).toEqual({ what, code: 403 });
    }
  });
});
