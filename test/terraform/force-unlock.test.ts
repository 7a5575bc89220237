import { CoordinationV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace } from '../argocd/kube-env.js';
import { baseEnv, OpsbotProcess, runOpsbot } from '../support/cli.js';
import { tempDir } from '../support/config.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { adminKubeConfig, testenv, titled, type PartStatus } from '../support/testenv.js';
import { SLOW_TF, infraConfig, planIdOf, stackRepo } from './stacks.js';

const env = testenv();
/** Real OpenTofu and a kube-apiserver: the kubernetes backend keeps its lock (a Lease) after a kill. */
const parts: PartStatus = !env.tofu.available ? env.tofu : env.kube;
const ready = env.tofu.available && env.kube.available;
const STACK = 'kubestate';
const LOCK_LINE = new RegExp(`The Terraform state of stack ${STACK} is locked by (\\S+) \\(OperationTypeApply since [^)]+\\); lock id ([0-9a-f-]{36})\\.`);
const OTHER_LOCK = '00000000-1111-4222-8333-444444444444';

/**
 * `/infra force-unlock` against real tofu and a real remote state lock: a stack whose state is a
 * Secret and whose lock is a Lease on the test environment's kube-apiserver, an apply killed with
 * its worker (SIGKILL: tofu never releases the Lease), then two people free it from chat.
 */
describe.skipIf(!ready)(titled('Terraform state lock left by a killed apply: /infra force-unlock (real tofu, kubernetes backend)', parts), () => {
  let redis: TestRedis;
  let client: Redis;
  let opsbotEnv: NodeJS.ProcessEnv;
  let namespace: string;
  const procs: OpsbotProcess[] = [];

  beforeAll(async () => {
    namespace = await createNamespace('opsbot-tfstate');
    const kc = adminKubeConfig(env);
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    // The backend's credentials come from the stack's `env`, passed into the sandbox as variables:
    // no file to bind. tofu 1.12.6's kubernetes backend insists on loading a kubeconfig even then,
    // unless its path does not exist (it then goes on with the variables alone).
    const kube = {
      KUBE_HOST: cluster.server,
      KUBE_TOKEN: user.token ?? '',
      KUBE_CLUSTER_CA_CERT_DATA: Buffer.from(cluster.caData ?? '', 'base64').toString('utf8'),
      KUBE_CONFIG_PATH: '/nonexistent/kubeconfig',
    };
    const backend = `terraform {\n  backend "kubernetes" {\n    secret_suffix = "opsbot"\n    namespace     = "${namespace}"\n  }\n}\n`;
    const repo = stackRepo({ example: false, files: { 'slow.tf': SLOW_TF, 'backend.tf': backend } });
    const config = infraConfig({ [STACK]: { repo, dir: 'infra', lockTimeout: '2s', env: Object.keys(kube) } });
    redis = await startRedis();
    client = new Redis(redis.url);
    opsbotEnv = baseEnv({ REDIS_URL: redis.url, OPSBOT_CONFIG: config, TF_BINARY: env.tofu.env.TF_BINARY, OPSBOT_HOME: tempDir('opsbot-home-'), ...kube });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    client?.disconnect();
    await redis?.close();
    if (namespace) await deleteNamespace(namespace);
  });

  const exec = (as: string, line: string) => runOpsbot(['console', '--as', as, '--exec', line], { env: opsbotEnv, timeoutMs: 120_000 });
  const spawn = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const p = new OpsbotProcess(args, { env: { ...opsbotEnv, ...extra } });
    procs.push(p);
    return p;
  };
  const lease = async () => (await adminKubeConfig(env).makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'lock-tfstate-default-opsbot', namespace })).spec?.holderIdentity;
  const jobsQueued = async () => Number((await client.get('opsbot:jobs:seq')) ?? 0);
  const audit = async () => (await client.xrange('opsbot:audit', '-', '+')).map(([, f]) => f.join(' '));

  it('a killed apply leaves the lock; the next plan names it and offers force-unlock; a second approver frees it and the next plan works', async () => {
    const planned = await exec('alice', `/infra plan ${STACK}`);
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    const id = planIdOf(planned.stdout);

    // The apply runs on a worker of its own, killed mid-apply: tofu dies with it, holding the Lease.
    const workerEnv = { OPSBOT_JOB_LOCK_MS: '2000', PORT: '0', LOG_LEVEL: 'info' };
    const doomed = spawn(['worker'], workerEnv);
    await doomed.waitFor(/opsbot started/, { stream: 'stderr' });
    const chat = spawn(['console', '--no-workers', '--as', 'bob', '--exec', `/infra apply ${id}`]);
    await chat.waitFor(/Queued as job (\d+): apply stack kubestate/);
    await chat.waitFor(/terraform_data\.slow: in progress/, { timeoutMs: 60_000 });
    const held = await lease();
    expect(held).toMatch(/^[0-9a-f-]{36}$/);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    spawn(['worker'], workerEnv);
    expect(await chat.exited).toBe(1);
    expect(chat.stdout).toContain('was interrupted — state may be partly applied; state lock may remain.');
    expect(await lease()).toBe(held); // nobody released it

    // opsbot's own stack lease expires (its worker is dead); then the plan meets tofu's lock.
    for (const deadline = Date.now() + 40_000; (await client.exists(`opsbot:lock:stack:${STACK}`)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    const locked = await exec('alice', `/infra plan ${STACK}`);
    expect(locked.code, locked.stdout + locked.stderr).toBe(1);
    const [, who, lockId] = LOCK_LINE.exec(locked.stdout) ?? [];
    expect(lockId, locked.stdout).toBe(held);
    expect(who).toMatch(/@/);
    expect(locked.stdout).toContain(`If no run holds it any more (an apply that was killed), free it with /infra force-unlock ${STACK} ${held} — an approver of the stack other than you must confirm.`);
    expect(locked.stdout).toContain(`[Force-unlock: infra force-unlock ${STACK} ${held}]`);

    // Asked by alice; alice again, and mallory (no approve right), are refused; nothing runs.
    const asked = await exec('alice', `/infra force-unlock ${STACK} ${held}`);
    expect(asked.code, asked.stdout + asked.stderr).toBe(0);
    expect(asked.stdout).toContain(`alice asks to remove Terraform's state lock ${held} of stack ${STACK}.`);
    const before = await jobsQueued();
    const own = await exec('alice', `/infra force-unlock ${STACK} ${held}`);
    expect(own.code).toBe(2);
    expect(own.stdout).toContain('Denied: you asked for this force-unlock; an approver of stack kubestate other than you must confirm it.');
    const mallory = await exec('mallory', `/infra force-unlock ${STACK} ${held}`);
    expect(mallory.code).toBe(2);
    expect(mallory.stdout).toContain('Denied: you are not an approver of stack kubestate');
    expect(await jobsQueued()).toBe(before);
    expect(await lease()).toBe(held);

    // A lock id that is not the held one, asked and confirmed: tofu's refusal is shown, the lock stays.
    await exec('alice', `/infra force-unlock ${STACK} ${OTHER_LOCK}`);
    const wrong = await exec('bob', `/infra force-unlock ${STACK} ${OTHER_LOCK}`);
    expect(wrong.code, wrong.stdout + wrong.stderr).toBe(1);
    expect(wrong.stdout).toContain(`Failed to unlock state: lock id "${OTHER_LOCK}" does not match existing lock`);
    expect(await lease()).toBe(held);

    // bob confirms: tofu force-unlock runs, the Lease is free, the next plan works.
    const freed = await exec('bob', `/infra force-unlock ${STACK} ${held}`);
    expect(freed.code, freed.stdout + freed.stderr).toBe(0);
    expect(freed.stdout).toContain(`Force-unlock of stack ${STACK} (lock ${held}, asked by alice) confirmed by bob.`);
    expect(freed.stdout).toContain(`Terraform's state lock ${held} of stack ${STACK} is removed (asked by alice, confirmed by bob).`);
    expect(await lease()).toBeFalsy();
    const after = await exec('alice', `/infra plan ${STACK}`);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).not.toContain('is locked');

    const entries = await audit();
    expect(entries.some((a) => a.includes('infra.force-unlock') && a.includes('console:alice') && a.includes('accepted'))).toBe(true);
    expect(entries.filter((a) => a.includes('infra.force-unlock') && a.includes('denied'))).toHaveLength(2);
    expect(entries.some((a) => a.includes('infra.force-unlock') && a.includes('console:bob') && a.includes('approved'))).toBe(true);
    expect(entries.some((a) => a.includes('job.force-unlock') && a.includes('succeeded'))).toBe(true);
  }, 300_000);

  it('a malformed lock id or an unknown stack runs nothing', async () => {
    const before = await jobsQueued();
    const malformed = await exec('bob', `/infra force-unlock ${STACK} 12ab-not-a-lock`);
    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toContain('"12ab-not-a-lock" is not a state lock id');
    const unknown = await exec('bob', `/infra force-unlock nosuch ${OTHER_LOCK}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('There is no stack "nosuch".');
    expect(await jobsQueued()).toBe(before);
  }, 60_000);
});
