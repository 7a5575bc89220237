import semver from 'semver';
import { z } from 'zod';
import { KEY_PATH_PATTERN } from '../cosign-key.js';
import { DESTINATION_FORMS, isDestination } from '../destination.js';
import { parseRepository, TAG_PATTERN } from '../oci-reference.js';
import { cronProblem } from './cron.js';
import { sandboxPathSyntaxProblem } from './sandbox-paths.js';

/**
 * The one schema of `opsbot.yaml`. Types, validation messages, the example file and the README
 * reference are all read off it, so a field is described once, here.
 */

/** Names that reach git refs, paths and process arguments: strict on purpose. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const name = (what: string) => z.string().regex(NAME_PATTERN, `${what} must be lowercase letters, digits and '-' (at most 63), e.g. "web"`);

/** A path inside a repository: relative, no `..`, no leading `/`, no shell metacharacters. */
export const REPO_PATH_PATTERN = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\-/]{1,255}$/;
const repoPath = z.string().regex(REPO_PATH_PATTERN, 'must be a relative path inside the repository (letters, digits, . _ - /; no "..")');

/**
 * A path bound read-only into a stack's sandbox: absolute and written the one way it is meant
 * (no `.`/`..` segments, no `//`, no trailing `/`), and never a whole system tree. What depends
 * on the machine (exists, not opsbot's own home) is checked by sandbox-paths.ts at start.
 */
const sandboxReadPath = z
  .string()
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = sandboxPathSyntaxProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Durations are written like "30m", "10s", "2h". */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'must be a duration such as "30s", "10m" or "2h"')
  .transform((s) => {
    const m = /^(\d+)(ms|s|m|h)$/.exec(s)!;
    const n = Number(m[1]);
    const unit = m[2] as 'ms' | 's' | 'm' | 'h';
    return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  });

/** One chat account: `slack:<user id>`, `telegram:<user id>`, `console:<name>`. */
export const ACCOUNT_PATTERN = /^(slack|telegram|console):[A-Za-z0-9._@-]{1,64}$/;
/** A subject: an account, `group:<name>`, `person:<name>`, a platform wildcard, or `*` for everyone. */
export const SUBJECT_PATTERN = /^((slack|telegram|console):[A-Za-z0-9._@-]{1,64}|(group|person):[a-z0-9-]{1,63}|(slack|telegram|console):\*|\*)$/;
const subject = z
  .string()
  .regex(SUBJECT_PATTERN, 'must be "slack:<user id>", "telegram:<user id>", "console:<name>", "group:<name>", "person:<name>" or "*"');
const account = z
  .string()
  .regex(ACCOUNT_PATTERN, 'must be one account: "slack:<user id>", "telegram:<user id>" or "console:<name>" (no wildcard, group or person)');

export const ACTIONS = ['deploy', 'rollback', 'config', 'status', 'history', 'infra.plan', 'infra.approve', 'jobs', 'cancel', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];
/** What a rule's `actions` may list: an action, or `*` for every action (administration included). */
export const RULE_ACTIONS = [...ACTIONS, '*'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

const pattern = z.string().regex(/^(\*|[a-z0-9][a-z0-9-]*\*?)$/, 'must be a name, a prefix ending in "*", or "*"');

/**
 * Where an environment's application configuration lives, for `/config`: the values are edited
 * in place, byte for byte, like image tags. Kinds mirror the places teams keep it.
 */
const workloadRestart = z
  .strictObject({
    path: repoPath.describe('The manifest of the workload whose pods read the ConfigMap.'),
    workload: z
      .string()
      .regex(NAME_PATTERN, 'must be a Kubernetes name')
      .describe('`metadata.name` of the Deployment, StatefulSet or DaemonSet to restart.'),
  })
  .describe(
    "The workload `/config … --restart` restarts (its pod template's `kubectl.kubernetes.io/restartedAt` annotation, as `kubectl rollout restart` sets it).",
  );

export const configLocationSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('env'),
      path: repoPath.describe('The manifest holding the workload (multi-document files are fine).'),
      container: z
        .string()
        .regex(NAME_PATTERN, 'must be a container name')
        .describe('The container whose `env:` list holds the configuration (kind: env).'),
    })
    .describe("a container's `env:` list in a plain manifest (Deployment, StatefulSet, DaemonSet, CronJob)."),
  z
    .strictObject({
      kind: z.literal('configmap'),
      path: repoPath.describe('The manifest holding the ConfigMap.'),
      name: z
        .string()
        .regex(NAME_PATTERN, 'must be a Kubernetes name')
        .optional()
        .describe('`metadata.name` of the ConfigMap (kind: configmap; default: the only ConfigMap in the file).'),
      restart: workloadRestart.optional(),
    })
    .describe("a ConfigMap manifest's `data:`."),
  z
    .strictObject({
      kind: z.literal('kustomize-literals'),
      path: repoPath.describe('The kustomization.yaml.'),
      name: z
        .string()
        .regex(NAME_PATTERN, 'must be a Kubernetes name')
        .optional()
        .describe('`name` of the `configMapGenerator` entry (default: the only one).'),
      restart: workloadRestart.optional(),
    })
    .describe('`literals:` of a kustomize `configMapGenerator` entry.'),
  z
    .strictObject({
      kind: z.literal('helm-values'),
      path: repoPath.describe('The Helm values file.'),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted key path such as "env"')
        .describe('Dotted key path of the map that holds the keys (kind: helm-values), e.g. `env`.'),
    })
    .describe('keys of a map in a Helm values file, under a prefix.'),
]);

/**
 * Which new images an environment is told about (`propose`) or given (`auto`): tags by semver
 * range or regex, or a moving tag by its digest. Checked here so check-config refuses a range
 * or regex that does not parse.
 */
export const watchSchema = z
  .strictObject({
    tags: z
      .union([z.string().max(200), z.strictObject({ regex: z.string().max(200) }), z.strictObject({ digestOf: z.string() })])
      .describe(
        'A semver range (`"^1.5.0"`, `"~2.3"`, `">=1.0.0 <2"`): the highest matching tag; `{ regex: "^1\\.5\\.\\d+$" }`: the highest matching tag (semver order where tags are versions, else natural order); `{ digestOf: latest }`: a moving tag, watched by its digest.',
      ),
    mode: z
      .enum(['propose', 'auto'])
      .default('propose')
      .describe(
        '`propose`: "web 1.5.1 is available for staging" with Deploy and Ignore buttons. `auto`: opsbot deploys it itself as "registry watch" where an access rule lets `console:registry-watch` deploy (else it proposes), never on a protected environment.',
      ),
    interval: duration
      .refine((ms) => ms >= 1000, 'must be at least 1s')
      .default(5 * 60_000)
      .describe('How often the registry is asked.'),
    notify: z
      .string()
      .refine(isDestination, DESTINATION_FORMS)
      .optional()
      .describe(
        "Where proposals and auto deploys are reported; default: the first destination of the first notification route that routes this environment's Application, else of the first route.",
      ),
  })
  .superRefine((w, ctx) => {
    const problem = watchTagsProblem(w.tags);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });

function watchTagsProblem(tags: string | { regex: string } | { digestOf: string }): { path: string[]; message: string } | undefined {
  if (typeof tags === 'string') {
    return semver.validRange(tags) === null
      ? { path: ['tags'], message: `"${tags}" is not a semver range (e.g. "^1.5.0", "~2.3", ">=1.0.0 <2")` }
      : undefined;
  }
  if ('regex' in tags) {
    try {
      new RegExp(tags.regex);
      return undefined;
    } catch (err) {
      return { path: ['tags', 'regex'], message: `is not a regular expression: ${(err as Error).message}` };
    }
  }
  return TAG_PATTERN.test(tags.digestOf) ? undefined : { path: ['tags', 'digestOf'], message: `"${tags.digestOf.slice(0, 140)}" is not a valid tag` };
}

/**
 * Signatures a deployed image must carry. Checked by the `cosign` binary on the worker, on the
 * digest being committed; the key file is read at check-config and start so a wrong one is found
 * before a deploy. Key-based only: keyless signing needs Sigstore's public services (internet).
 */
export const verifySchema = z
  .strictObject({
    cosign: z
      .strictObject({
        key: z
          .string()
          .regex(KEY_PATH_PATTERN, 'must be the path of a PEM public key file (letters, digits, . _ - /), e.g. "keys/web-cosign.pub"')
          .describe(
            'The PEM public key (`cosign.pub`) whose signature the image digest must carry; relative to the config file. check-config refuses a missing file, a private key, or anything that is not a public key.',
          ),
      })
      .describe(
        '`cosign verify --key`: a deploy is committed only when the digest has a valid cosign signature by this key; unsigned or signed by another key → refused, nothing committed. Needs `pin: digest` (a tag could be moved after the check) and `cosign` on the worker (`OPSBOT_COSIGN` or PATH). Keyless (Fulcio/Rekor) signatures are not supported: they need the internet.',
      ),
  })
  .describe('Signatures the image must carry before a deploy is committed.');

const tagLocationBase = {
  /** The file in the GitOps repository that holds the tag. */
  path: repoPath.describe('The file in the GitOps repository that holds the tag.'),
  /** Argo CD Application that deploys this environment (default: `<app>-<env>`). */
  application: z
    .string()
    .regex(NAME_PATTERN, 'must be a Kubernetes name')
    .optional()
    .describe('Argo CD Application that deploys this environment (default: `<app>-<env>`).'),
  /** Namespace of the app's pods (default: the Application's destination namespace). */
  namespace: z
    .string()
    .regex(NAME_PATTERN, 'must be a Kubernetes namespace name')
    .optional()
    .describe("Namespace of the app's pods (default: the Application's destination namespace)."),
  /** Label selector for the app's pods, when Argo CD's tracking label is not used. */
  podSelector: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9._/=,!-]+$/, 'must be a label selector such as "app=web"')
    .optional()
    .describe(
      "Label selector for the app's pods, overriding how they are found by default: through the selectors of the Deployments, StatefulSets and DaemonSets in the Application's status.resources.",
    ),
  /** Deploys to a protected environment go through a pull request and an approval. */
  protected: z.boolean().default(false).describe('Deploys and `/config` changes go through a pull request and an approval.'),
  /** Where `/config` reads and changes the application configuration of this environment. */
  config: configLocationSchema
    .optional()
    .describe(
      "Where `/config` reads and changes this environment's configuration: `kind` is `env`, `configmap`, `kustomize-literals` or `helm-values`.",
    ),
  /** `digest`: a deployed tag is resolved in the registry and its manifest digest is written. */
  pin: z
    .enum(['tag', 'digest'])
    .optional()
    .describe(
      "`tag` (the default) writes the tag as given; `digest` resolves it to its manifest digest in the image's registry (credentials from `DOCKER_CONFIG`) and writes `image@sha256:…`, so a moved tag never changes what runs.",
    ),
  watch: watchSchema.optional().describe('Watch the registry for new images of this environment (see README "Watching images").'),
  verify: verifySchema
    .optional()
    .describe('Signatures this environment\'s images must carry (replaces the app\'s `verify`); see README "Verified signatures".'),
};

export const tagLocationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('kustomize'), ...tagLocationBase }).describe('`images[].newTag` in a kustomization.yaml.'),
  z
    .strictObject({
      kind: z.literal('helm-values'),
      ...tagLocationBase,
      /** Dotted key path of the tag in the values file. */
      key: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted key path such as "image.tag"')
        .default('image.tag')
        .describe(
          'Dotted key path of the tag in the values file (kind: helm-values); with `pin: digest`, the key of the digest, e.g. `image.digest`.',
        ),
    })
    .superRefine((loc, ctx) => {
      // Charts render `repository:tag`; a digest under a tag key yields `repo:sha256:…`, which no runtime pulls.
      if (loc.pin === 'digest' && !/(^|\.)digest$/i.test(loc.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['key'],
          message: 'with pin: digest, "key" must be the chart\'s digest value (a key ending in "digest", e.g. "image.digest")',
        });
      }
      // A moving tag's watch deploys digests: a tag key would refuse every one of them.
      const tags = loc.watch?.tags;
      if (typeof tags === 'object' && 'digestOf' in tags && !/(^|\.)digest$/i.test(loc.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['watch', 'tags'],
          message: `watches digests, but "key" (${loc.key}) takes a tag: point "key" at the chart's digest value (e.g. "image.digest")`,
        });
      }
    })
    .describe('a key in a Helm values file.'),
  z
    .strictObject({
      kind: z.literal('manifest'),
      ...tagLocationBase,
      /** The container whose `image:` is rewritten (Deployment, StatefulSet, DaemonSet, CronJob). */
      container: z
        .string()
        .regex(NAME_PATTERN, 'must be a container name')
        .describe('The container whose `image:` is rewritten: Deployment, StatefulSet, DaemonSet, CronJob (kind: manifest).'),
    })
    .describe("a container's `image:` in a plain manifest."),
]);

export const appSchema = z
  .strictObject({
    /** The image repository, without tag or digest: `ghcr.io/example/web`. */
    image: z
      .string()
      .regex(/^[a-z0-9]+([._\-/:][a-z0-9]+)*$/, 'must be an image name without tag, e.g. "ghcr.io/example/web"')
      .superRefine((image, ctx) => {
        try {
          parseRepository(image);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .describe('The image repository, without tag or digest: `ghcr.io/example/web`.'),
    description: z.string().max(200).optional().describe('Shown in /status and /help.'),
    environments: z
      .record(name('environment name'), tagLocationSchema)
      .refine((e) => Object.keys(e).length > 0, 'needs at least one environment')
      .superRefine((envs, ctx) => {
        // A protected environment's deploys wait for a person's approval: a watch may only propose them.
        for (const [env, loc] of Object.entries(envs)) {
          if (loc.protected && loc.watch?.mode === 'auto')
            ctx.addIssue({
              code: 'custom',
              path: [env, 'watch', 'mode'],
              message: `is "auto", but ${env} is protected: protected environments are never deployed without approval (use mode: propose)`,
            });
        }
      })
      .describe('Where each environment keeps the tag: `kind` is `kustomize`, `helm-values` or `manifest`.'),
    verify: verifySchema
      .optional()
      .describe(
        'Signatures every environment\'s image must carry before a deploy is committed (an environment\'s own `verify` replaces it); see README "Verified signatures".',
      ),
  })
  .superRefine((app, ctx) => {
    // A signature is checked on a digest: a tag written after the check could be moved to an unsigned image.
    for (const [env, loc] of Object.entries(app.environments)) {
      if ((loc.verify ?? app.verify) && loc.pin !== 'digest')
        ctx.addIssue({
          code: 'custom',
          path: ['environments', env, 'pin'],
          message: `must be "digest": ${env} requires verified signatures, which are checked on the digest that is committed (a tag could be moved to another image after the check)`,
        });
    }
  });

export const gitopsSchema = z.strictObject({
  /** Remote of the GitOps repository: a path, `file://`, SSH or HTTPS URL. Credentials come from the environment. */
  url: z.string().min(1).describe('Remote of the GitOps repository: a path, `file://`, SSH or HTTPS URL. Credentials come from the environment.'),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,100}$/, 'must be a branch name')
    .default('main')
    .describe('Branch that Argo CD follows; deploys commit to it.'),
  author: z
    .strictObject({ name: z.string().min(1).max(100), email: z.string().regex(/^[^\s<>@]+@[^\s<>@]+$/, 'must be an e-mail address') })
    .default({ name: 'opsbot', email: 'opsbot@localhost' })
    .describe('Author of the commits opsbot makes (the requester is named in a trailer).'),
  /** Web address of the repository, for links to commits (`https://github.com/org/repo`). */
  webUrl: z.url().optional().describe('Web address of the repository, for links to commits (`https://github.com/org/repo`).'),
  /** GitHub repository for pull requests of protected environments. */
  github: z
    .strictObject({ owner: z.string().min(1), repo: z.string().min(1) })
    .optional()
    .describe('GitHub repository for pull requests of protected environments (needs `GITHUB_TOKEN`).'),
  /** Pushes rejected because someone else pushed are redone on the new head up to this many times. */
  pushRetries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(5)
    .describe('Pushes rejected because someone else pushed are redone on the new head up to this many times.'),
  /** May the person who asked for a protected deploy approve its pull request themselves? */
  requesterMayApprove: z.boolean().default(false).describe('May the person who asked for a protected deploy approve its pull request themselves?'),
  /** How approved pull requests are merged. */
  mergeMethod: z.enum(['merge', 'squash']).default('merge').describe('How approved pull requests are merged.'),
  /** Sign every commit opsbot makes (rulesets that require signed commits). */
  signing: z
    .strictObject({
      format: z.enum(['ssh', 'openpgp']).describe('`ssh` (signed with `ssh-keygen -Y sign`) or `openpgp` (with `gpg`).'),
      // Ending in _PRIVATE_KEY makes the value a secret by name: redacted from logs, chat and audit.
      keyEnv: z
        .string()
        .regex(
          /^[A-Z_][A-Z0-9_]{0,115}_PRIVATE_KEY$/,
          'must be an environment variable name ending in "_PRIVATE_KEY" (so its value is redacted everywhere)',
        )
        .default('OPSBOT_SIGNING_PRIVATE_KEY')
        .describe(
          'Environment variable holding the private key (OpenSSH format, or an armored OpenPGP secret key; no passphrase); its name ends in `_PRIVATE_KEY`, so the value is redacted everywhere.',
        ),
    })
    .optional()
    .describe(
      'Sign every commit opsbot makes, by git itself (`gpg.format`, `user.signingkey`, `commit.gpgsign`), e.g. for GitHub rulesets that require signed commits. The key comes from the environment.',
    ),
});

/** GitHub owner and repository names: letters, digits, '.', '_', '-' (they reach URLs). */
const GITHUB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const stackSchema = z.strictObject({
  /** The infra repository: a path or URL. Default: the directory of the config file. */
  repo: z.string().min(1).optional().describe('The infra repository: a path or URL. Default: the directory of the config file.'),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]{1,100}$/, 'must be a branch name')
    .default('main')
    .describe('Branch whose head is planned.'),
  dir: repoPath.describe('Directory of the stack inside the repository.'),
  workspace: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a workspace name')
    .optional()
    .describe('Terraform workspace to select.'),
  varFiles: z.array(repoPath).default([]).describe('`-var-file`s, relative to `dir`.'),
  extraVarFiles: z
    .array(z.union([repoPath, z.literal('*')]))
    .default([])
    .describe(
      'Var files `/infra plan --var-file` may add, relative to `dir`; `"*"` allows any file inside the repository. Default: none (`--var-file` is refused).',
    ),
  /** Names of environment variables passed through to Terraform (values are never logged). */
  env: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'))
    .default([])
    .describe('Names of environment variables passed through to Terraform (values are never logged); start refuses if one is unset.'),
  binary: z.enum(['terraform', 'tofu']).describe('The CLI to run when `TF_BINARY` is unset.').optional(),
  approvers: z
    .array(subject, {
      error: (iss) =>
        iss.input === undefined
          ? 'is required: who may approve plans of this stack (subjects, groups or people; they also need infra.approve)'
          : undefined,
    })
    .min(1, 'needs at least one approver: without one, anyone with infra.approve could apply this stack')
    .describe('Who may approve plans of this stack (subjects, groups or people); required. They also need `infra.approve` on the stack.'),
  approvalsRequired: z.number().int().min(1).max(5).default(1).describe('Distinct approvers (people, see `people`) needed before the apply starts.'),
  requesterMayApprove: z.boolean().default(false).describe('May the requester approve their own plan?'),
  planTtl: duration.default(30 * 60_000).describe('How long a saved plan can be approved.'),
  lockTimeout: duration.default(60_000).describe('How long a job waits for the stack lock (and `-lock-timeout`).'),
  planTimeout: duration
    .default(30 * 60_000)
    .describe('A plan (checkout, init, plan, show) still running after this is stopped (SIGINT, then SIGKILL) and fails; the stack lock is freed.'),
  applyTimeout: duration
    .default(2 * 3_600_000)
    .describe('An apply still running after this gets SIGINT (SIGKILL after 20 s) and fails; the reply says how tofu left the state lock.'),
  postOutputs: z
    .boolean()
    .default(false)
    .describe(
      "Show output values in chat (plan summary, full plan, apply result). Default: names only, since a stack's code decides what its outputs hold.",
    ),
  /** Cron expression for scheduled drift checks (cron.ts: five fields). */
  driftCheck: z
    .string()
    .max(100)
    .superRefine((expr, ctx) => {
      const problem = cronProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe(
      "Scheduled drift check: a five-field cron expression (minute hour day-of-month month day-of-week, in the worker's time zone), e.g. `0 6 * * 1-5`, or `@daily`.",
    ),
  github: z
    .strictObject({
      owner: z.string().regex(GITHUB_NAME, 'must be a GitHub owner name').describe('The user or organisation, e.g. `example`.'),
      repo: z.string().regex(GITHUB_NAME, 'must be a GitHub repository name').describe('The repository, e.g. `infra`.'),
      allowForks: z
        .boolean()
        .default(false)
        .describe('Plan pull requests whose code comes from a fork (stack code runs on the worker: off by default).'),
    })
    .optional()
    .describe(
      "The GitHub repository of the stack's code (needs `GITHUB_TOKEN`): `/infra plan --pr` plans its pull requests, comments the plan and sets the `opsbot/plan: <stack>` status.",
    ),
  applyRequirements: z
    .array(z.enum(['approved', 'mergeable']))
    .default([])
    .describe(
      'Checked on GitHub at apply, on top of the approvals in chat: the pull request is `approved` (a review approves it, none requests changes) and `mergeable`. A plan of another branch is refused; a plan of `branch` needs none.',
    ),
  lock: z
    .enum(['job', 'plan-to-apply'])
    .default('job')
    .describe(
      "`job`: the stack is locked while a plan or apply runs. `plan-to-apply`: also from a plan until its apply, rejection, expiry or the merge of its pull request; another person's plan is refused.",
    ),
  sandbox: z
    .strictObject({
      readOnlyPaths: z
        .array(sandboxReadPath)
        .max(32)
        .default([])
        .describe(
          "Absolute paths on the worker bound read-only into this stack's sandbox, for a backend's or provider's credential files (a kubeconfig, `~/.azure`, a client certificate). Checked at start and by `check-config`: each must exist, and none may be `/`, a top-level directory, under `/proc`, `/sys`, `/dev` or `/run`, inside or around `OPSBOT_HOME`, the worker's `HOME` itself or a directory around it, or a directory holding the config file.",
        ),
    })
    .default({ readOnlyPaths: [] })
    .describe("What this stack's sandbox may see besides its work dir and state (with `terraform.sandbox: true`)."),
  notify: z
    .string()
    .refine(isDestination, DESTINATION_FORMS)
    .optional()
    .describe(
      "Where drift reports of this stack go (`slack:<channel>`, `telegram:<chat id>` or `console`); default: the first notification route's first destination.",
    ),
});

export const ruleSchema = z.strictObject({
  subjects: z
    .array(subject)
    .min(1)
    .describe('`slack:<user id>`, `telegram:<user id>`, `console:<name>`, `group:<name>`, `person:<name>`, `<platform>:*` or `*`.'),
  actions: z
    .array(z.enum(RULE_ACTIONS))
    .min(1)
    .describe(
      "Actions allowed: deploy, rollback, config, status, history, infra.plan, infra.approve, jobs, cancel, admin (administration: /audit, /diagnose, /infra unlock, cancelling anyone's job), or `*` for every action.",
    ),
  apps: z
    .array(pattern)
    .optional()
    .describe(
      'Apps the rule covers (a name, a prefix ending in `*`, or `*`). A rule that names apps, environments or stacks covers only what it names: nothing on a dimension it leaves out, and no action without a resource.',
    ),
  environments: z.array(pattern).optional().describe('Environments the rule covers (with `apps` unset: of every app).'),
  stacks: z.array(pattern).optional().describe('Terraform stacks the rule covers.'),
});

export const TRIGGERS = [
  'on-created',
  'on-deleted',
  'on-deployed',
  'on-health-degraded',
  'on-sync-failed',
  'on-sync-running',
  'on-sync-status-unknown',
  'on-sync-succeeded',
] as const;

export const routeSchema = z.strictObject({
  apps: z
    .array(pattern)
    .default(['*'])
    .describe(
      "Whose events are routed: an opsbot app (meaning its environments' Argo CD Applications), or an Argo CD Application name or pattern (`worker-*`). `check-config` shows which each entry is.",
    ),
  projects: z.array(pattern).default(['*']).describe('Argo CD projects (patterns).'),
  labels: z.record(z.string(), z.string()).default({}).describe('Labels the Application must carry.'),
  triggers: z
    .array(z.enum(TRIGGERS))
    .min(1)
    .describe(
      'Events announced: on-created, on-deleted, on-deployed, on-health-degraded, on-sync-failed, on-sync-running, on-sync-status-unknown, on-sync-succeeded.',
    ),
  to: z.array(z.string().refine(isDestination, DESTINATION_FORMS)).min(1).describe('`slack:<channel>`, `telegram:<chat id>[/<topic>]` or `console`.'),
});

export const configSchema = z.strictObject({
  gitops: gitopsSchema.optional().describe('The GitOps repository that Argo CD syncs; deploys commit here.'),
  apps: z.record(name('app name'), appSchema).default({}).describe('Apps that can be deployed, by name.'),
  /** Apps deployed together (one image in several apps): `/deploy <group> <tag> <env>` makes one commit. */
  appGroups: z
    .record(
      name('app group name'),
      z
        .array(name('app name'))
        .min(1, 'needs at least one app')
        .superRefine((members, ctx) => {
          const twice = members.filter((m, i) => members.indexOf(m) !== i);
          if (twice.length > 0) ctx.addIssue({ code: 'custom', message: `lists ${[...new Set(twice)].join(', ')} more than once` });
        }),
    )
    .default({})
    .describe(
      "Apps deployed together, by group name (e.g. `bots: [bot-mat, bot-prod]`, one image in two apps): `/deploy <group> <tag> <env>` changes every member's tag in one commit and follows each app's Argo CD Application. Members are apps defined under `apps`; a group name cannot also be an app name. Not to be confused with `groups` (of people, for access rules).",
    ),
  stacks: z.record(name('stack name'), stackSchema).default({}).describe('Terraform stacks that can be planned and applied, by name.'),
  /** People and their chat accounts: four-eyes and approval counts are per person. */
  people: z
    .record(name('person name'), z.array(account).min(1))
    .default({})
    .describe(
      "People and their chat accounts (`slack:…`, `telegram:…`, `console:…`), referred to as `person:<name>`. Four-eyes rules and approval counts count people: one person's accounts are one approver, and none of them approves that person's own plan. An account not listed is a person of its own.",
    ),
  terraform: z
    .strictObject({
      sandbox: z
        .boolean()
        .default(true)
        .describe(
          "Run tofu/terraform in a bubblewrap sandbox that sees only the job's work dir, its state and the stack's own `env`. `false` only where the sandbox cannot run: stack code then runs as the worker's user and can read its memory, environment and files.",
        ),
    })
    .default({ sandbox: true })
    .describe('How Terraform runs on the workers.'),
  /** Named groups of subjects, referred to as `group:<name>`. */
  groups: z.record(name('group name'), z.array(subject)).default({}).describe('Named groups of subjects, referred to as `group:<name>`.'),
  access: z
    .strictObject({
      /** Actions anyone who can reach opsbot may use. Mutating actions cannot be listed here. */
      everyone: z
        .array(z.enum(['status', 'history', 'jobs']))
        .default(['status', 'history', 'jobs'])
        .describe('Actions anyone who can reach opsbot may use. Mutating actions cannot be listed here.'),
      rules: z.array(ruleSchema).default([]).describe('Who may do what; everything not allowed is denied.'),
    })
    .default({ everyone: ['status', 'history', 'jobs'], rules: [] })
    .describe('Access rules.'),
  argocd: z
    .strictObject({
      namespaces: z.array(z.string().regex(NAME_PATTERN)).default(['argocd']).describe('Namespaces whose Applications are watched.'),
      context: z.string().optional().describe('kubeconfig context to use (default: the current one).'),
      followTimeout: duration.default(10 * 60_000).describe('How long a deploy is followed until synced and healthy.'),
      imageUpdater: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              "Read argocd-image-updater's annotations (`image-list`, `<alias>.update-strategy`, `write-back-method: git`, …) on the Applications of the first namespace: each image becomes an app (opsbot.yaml wins on a name it defines).",
            ),
          interval: duration
            .refine((ms) => ms >= 1000, 'must be at least 1s')
            .default(5 * 60_000)
            .describe("How often the registry is asked for new images of apps declared by annotations (argocd-image-updater's default: 2m)."),
        })
        .default({ enabled: true, interval: 5 * 60_000 })
        .describe(
          'Apps declared where the team already declared them: argocd-image-updater annotations (see README "Apps from argocd-image-updater annotations").',
        ),
    })
    .default({ namespaces: ['argocd'], followTimeout: 10 * 60_000, imageUpdater: { enabled: true, interval: 5 * 60_000 } })
    .describe('The Argo CD that syncs the GitOps repository.'),
  notifications: z
    .strictObject({ routes: z.array(routeSchema).default([]).describe('Routes: each matching route gets the event.') })
    .default({ routes: [] })
    .describe('Argo CD events announced in chat: `routes` say which events go where.'),
  workers: z
    .strictObject({
      concurrency: z.number().int().min(1).max(64).default(2).describe('Jobs one worker process runs at once.'),
      /** Running jobs get this long to finish after SIGTERM. */
      shutdownGrace: duration.default(30_000).describe('Running jobs get this long to finish after SIGTERM.'),
    })
    .default({ concurrency: 2, shutdownGrace: 30_000 })
    .describe('Job workers.'),
  limits: z
    .strictObject({
      commandsPerMinute: z
        .number()
        .int()
        .min(0)
        .max(10_000)
        .default(60)
        .describe(
          'Chat commands one person (all their accounts) may send per minute through Slack or Telegram; past it, one "slow down" reply, then silence until the minute is over. 0: no limit.',
        ),
      jobsPerMinute: z
        .number()
        .int()
        .min(0)
        .max(10_000)
        .default(30)
        .describe(
          'Jobs one person may queue per minute, from any platform (the console too); past it, each command that would queue one is refused with "slow down". 0: no limit.',
        ),
    })
    .default({ commandsPerMinute: 60, jobsPerMinute: 30 })
    .describe(
      'Per-person rate limits, counted in Redis so that they hold across bot replicas: a flood from one account costs one reply and a bounded number of audit entries.',
    ),
  chat: z
    .strictObject({
      slack: z
        .strictObject({
          /** Slash command name → opsbot command, e.g. `{"/ship": "deploy"}`; adds to or renames the defaults. */
          commands: z
            .record(
              z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as "/ship"'),
              z.string().regex(/^[a-z][a-z0-9 -]{0,40}$/, 'must be an opsbot command such as "deploy"'),
            )
            .default({})
            .describe('Slash command name → opsbot command, e.g. `{"/ship": "deploy"}`; adds to or renames the defaults.'),
          /** Channel ids commands are taken in; empty: every channel the app is in. */
          channels: z.array(z.string()).default([]).describe('Channel ids commands are taken in; empty: every channel the app is in.'),
          /** The workspace (team id) served; requests from any other are refused. */
          userGroups: z
            .record(
              z.string().regex(/^S[A-Z0-9]{2,31}$/, 'must be a Slack user-group id such as "S0614TZR7"'),
              z.string().regex(NAME_PATTERN, 'must be an opsbot group name'),
            )
            .default({})
            .describe('Slack user-group id → opsbot group name: members count as `group:<name>` in access rules (refreshed every 5 min).'),
          teamId: z
            .string()
            .regex(/^T[A-Z0-9]{2,31}$/, 'must be a Slack team id such as "T0123ABCD"')
            .optional()
            .describe('The workspace (team id) served; requests from any other are refused.'),
        })
        .optional()
        .describe('Slack (needs `SLACK_BOT_TOKEN`, and `SLACK_SIGNING_SECRET` unless `SLACK_APP_TOKEN` selects Socket Mode).'),
      telegram: z
        .strictObject({
          /** Chat ids opsbot serves (groups are negative: -100…); anywhere else it says once that it is not enabled. */
          chats: z
            .array(z.union([z.number().int(), z.string().regex(/^-?\d{1,20}$/, 'must be a numeric Telegram chat id')]))
            .default([])
            .describe('Chat ids opsbot serves (groups are negative: -100…).'),
          /** The bot's @username without "@", for `/deploy@name` in groups before getMe has answered (default: from getMe). */
          botUsername: z
            .string()
            .regex(/^[A-Za-z0-9_]{3,64}$/, 'must be a bot username without "@"')
            .optional()
            .describe('Bot username without the @, for `/deploy@name` in groups (default: from getMe).'),
        })
        .optional()
        .describe('Telegram (needs `TELEGRAM_BOT_TOKEN`).'),
    })
    .default({})
    .describe('Chat platforms.'),
});

export type Config = z.infer<typeof configSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type TagLocation = z.infer<typeof tagLocationSchema>;
export type ConfigLocation = z.infer<typeof configLocationSchema>;
export type StackConfig = z.infer<typeof stackSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type TerraformSettings = Config['terraform'];
export type Route = z.infer<typeof routeSchema>;
export type GitopsConfig = z.infer<typeof gitopsSchema>;
export type Trigger = (typeof TRIGGERS)[number];
export type WatchConfig = z.infer<typeof watchSchema>;
export type VerifyConfig = z.infer<typeof verifySchema>;
