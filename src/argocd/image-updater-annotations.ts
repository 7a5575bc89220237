/**
 * argocd-image-updater's annotations on an Application (the v0.x, annotation-based grammar that
 * teams already write; docs/configuration/images.md and applications.md of argoproj-labs/
 * argocd-image-updater), read strictly and without side effects. The annotations are input from
 * anyone who may edit an Application, so every name is checked here before it can reach git, a
 * path or a process, and what opsbot does not do is said (`notes`), never skipped silently.
 */

export const UPDATER_PREFIX = 'argocd-image-updater.argoproj.io/';
export const IMAGE_LIST = `${UPDATER_PREFIX}image-list`;

/** `latest` and `name` are the names before v0.12 (renamed in argocd-image-updater PR #456); both still work there. */
const STRATEGIES: Record<string, UpdateStrategy> = {
  semver: 'semver',
  'newest-build': 'newest-build',
  latest: 'newest-build',
  alphabetical: 'alphabetical',
  name: 'alphabetical',
  digest: 'digest',
};
export type UpdateStrategy = 'semver' | 'newest-build' | 'alphabetical' | 'digest';

/** What one image-list entry and its `<alias>.*` annotations declare. */
export interface UpdaterImage {
  /** The alias as written (`[<alias>=]`), absent when the entry has none. */
  alias?: string;
  /** The image repository, without tag: `ghcr.io/example/web`. */
  image: string;
  /** `:<version constraint>`: a semver constraint, or the tag a `digest` strategy follows. */
  constraint?: string;
  strategy: UpdateStrategy;
  /** `<alias>.allow-tags`: `any`, or the expression of `regexp:<expression>`. */
  allowTags?: { any: true } | { regexp: string };
  /** `<alias>.ignore-tags`: glob patterns (Go's filepath.Match). */
  ignoreTags: string[];
  helm: { imageName?: string; imageTag?: string; imageSpec?: string };
  kustomizeImageName?: string;
  /** The image cannot be watched (its strategy or filters are not usable); deploying it is still possible. */
  watchProblem?: string;
  /** Settings opsbot reads but handles its own way, said in the log and in /help. */
  notes: string[];
}

export interface WriteBack {
  method: 'git' | 'argocd';
  /** `git:<credref>`: the credentials image-updater would use (opsbot uses its own). */
  credentials?: string;
  /** `write-back-target`: `kustomization[:<dir>]` or `helmvalues[:<file>]`. */
  target?: { kind: 'kustomization' | 'helmvalues'; path?: string };
}

export interface UpdaterDeclaration {
  images: UpdaterImage[];
  writeBack: WriteBack;
  /** `git-branch` as written (`branch`, or `base:target`). */
  gitBranch?: string;
  /** `git-repository`: the repository written to when the source is a Helm repository. */
  gitRepository?: string;
  /** Why the whole declaration is unusable (a malformed image-list, an unknown write-back method). */
  problem?: string;
  notes: string[];
}

/** An alias as argocd-image-updater advises it: alphanumerics, with `-`, `_`, `.` and `/` tolerated. */
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
/** The image part of an entry: what the distribution grammar allows in a name (checked again as a repository later). */
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*$/;
/** A version constraint: semver ranges (`~1.26`, `>=1.0 <2`, `1.x`) or a tag; no shell or path characters. */
const CONSTRAINT = /^[A-Za-z0-9_.~^*<>=| -]{1,128}$/;
const MAX_IMAGES = 20;

/** Shown in messages: quoted, one line, bounded, whatever the annotation held. */
export function shownValue(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

/** Does this Application carry argocd-image-updater's image list? */
export function hasImageList(annotations: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(annotations, IMAGE_LIST);
}

/** Options that have an Application-wide default (`<prefix>/update-strategy`, since v0.12): the one images without an alias use. */
const WITH_DEFAULT = new Set(['update-strategy', 'allow-tags', 'ignore-tags', 'pull-secret', 'platforms']);

/**
 * An image's option: `<alias>.<option>` (a `/` in an alias is written `_` there: Kubernetes keys
 * allow one `/`), else the Application-wide `<option>` where it has one.
 */
function optionOf(annotations: Readonly<Record<string, string>>, alias: string | undefined, option: string): string | undefined {
  const keys = [
    ...(alias !== undefined ? [`${UPDATER_PREFIX}${alias.replace(/\//g, '_')}.${option}`] : []),
    ...(WITH_DEFAULT.has(option) ? [`${UPDATER_PREFIX}${option}`] : []),
  ];
  const key = keys.find((k) => Object.hasOwn(annotations, k));
  return key === undefined ? undefined : annotations[key]!.trim();
}

export function parseUpdaterAnnotations(annotations: Readonly<Record<string, string>>): UpdaterDeclaration {
  const notes: string[] = [];
  const writeBack = parseWriteBack(annotations[`${UPDATER_PREFIX}write-back-method`], annotations[`${UPDATER_PREFIX}write-back-target`]);
  const declaration = (images: UpdaterImage[], problem?: string): UpdaterDeclaration => ({
    images,
    writeBack: 'problem' in writeBack ? { method: 'git' } : writeBack,
    ...(annotations[`${UPDATER_PREFIX}git-branch`] !== undefined ? { gitBranch: annotations[`${UPDATER_PREFIX}git-branch`]!.trim() } : {}),
    ...(annotations[`${UPDATER_PREFIX}git-repository`] !== undefined
      ? { gitRepository: annotations[`${UPDATER_PREFIX}git-repository`]!.trim() }
      : {}),
    ...(problem !== undefined ? { problem } : 'problem' in writeBack ? { problem: writeBack.problem } : {}),
    notes,
  });
  if ('problem' in writeBack) return declaration([]);
  const list = annotations[IMAGE_LIST] ?? '';
  const entries = list
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return declaration([], 'its image-list is empty');
  if (entries.length > MAX_IMAGES) return declaration([], `its image-list names ${entries.length} images (at most ${MAX_IMAGES})`);
  const images: UpdaterImage[] = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if ('problem' in parsed) return declaration([], `image-list entry ${shownValue(entry)}: ${parsed.problem}`);
    if (parsed.alias !== undefined && images.some((i) => i.alias === parsed.alias)) {
      return declaration([], `image-list names the alias ${shownValue(parsed.alias)} twice (aliases are unique within an Application)`);
    }
    images.push(imageOptions(annotations, parsed));
  }
  if ('credentials' in writeBack && writeBack.credentials)
    notes.push(`write-back-method ${writeBack.credentials}: opsbot commits with its own credentials (GITOPS_TOKEN), not these`);
  return declaration(images);
}

/** `[<alias>=]<image>[:<constraint>]`: the alias ends at the first `=` before any `:`; the constraint follows the last `:` after the last `/`. */
function parseEntry(entry: string): { alias?: string; image: string; constraint?: string } | { problem: string } {
  let rest = entry;
  let alias: string | undefined;
  const eq = entry.indexOf('=');
  const colon = entry.indexOf(':');
  if (eq >= 0 && (colon < 0 || eq < colon)) {
    alias = entry.slice(0, eq).trim();
    rest = entry.slice(eq + 1).trim();
    if (!ALIAS.test(alias)) return { problem: 'the alias must be letters, digits, "-", "_", "." or "/" (at most 63)' };
  }
  if (rest.includes('@')) return { problem: 'a digest is not a version constraint (write the tag to follow, with update-strategy digest)' };
  const lastSlash = rest.lastIndexOf('/');
  const sep = rest.indexOf(':', lastSlash + 1);
  const image = sep >= 0 ? rest.slice(0, sep) : rest;
  const constraint = sep >= 0 ? rest.slice(sep + 1).trim() : undefined;
  if (image.length > 255 || !IMAGE.test(image)) return { problem: 'the image must be a repository name such as ghcr.io/example/web' };
  if (constraint !== undefined && !CONSTRAINT.test(constraint)) return { problem: 'the version constraint must be a semver constraint or a tag' };
  return { ...(alias !== undefined ? { alias } : {}), image, ...(constraint ? { constraint } : {}) };
}

function imageOptions(annotations: Readonly<Record<string, string>>, entry: { alias?: string; image: string; constraint?: string }): UpdaterImage {
  const notes: string[] = [];
  const opt = (o: string) => optionOf(annotations, entry.alias, o);
  const written = opt('update-strategy');
  let strategy: UpdateStrategy = 'semver';
  let watchProblem: string | undefined;
  if (written !== undefined) {
    const known = STRATEGIES[written];
    // image-updater falls back to semver with a log line; opsbot does not guess what was meant.
    if (!known) watchProblem = `update-strategy ${shownValue(written)} is not one of semver, newest-build (latest), alphabetical (name), digest`;
    else {
      strategy = known;
      if (written === 'latest' || written === 'name')
        notes.push(`update-strategy ${written} is read as ${known} (its name since argocd-image-updater v0.12)`);
    }
  }
  const allow = opt('allow-tags');
  let allowTags: UpdaterImage['allowTags'];
  if (allow !== undefined) {
    if (allow === 'any') allowTags = { any: true };
    else if (allow.startsWith('regexp:')) allowTags = { regexp: allow.slice('regexp:'.length) };
    // image-updater then matches no tag at all; opsbot says so instead of watching nothing quietly.
    else watchProblem ??= `allow-tags ${shownValue(allow)} is neither "regexp:<expression>" nor "any"`;
  }
  const ignoreTags = (opt('ignore-tags') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const helm = { imageName: opt('helm.image-name'), imageTag: opt('helm.image-tag'), imageSpec: opt('helm.image-spec') };
  const kustomizeImageName = opt('kustomize.image-name');
  if (opt('pull-secret') !== undefined) notes.push('pull-secret: opsbot reads registry credentials from DOCKER_CONFIG');
  if (opt('platforms') !== undefined) notes.push("platforms: opsbot follows the tag's own manifest digest (an index covers every platform)");
  if (opt('tag-match') !== undefined) notes.push('tag-match (the pre-v0.5 name of allow-tags) is not read: write allow-tags');
  return {
    ...(entry.alias !== undefined ? { alias: entry.alias } : {}),
    image: entry.image,
    ...(entry.constraint !== undefined ? { constraint: entry.constraint } : {}),
    strategy,
    ...(allowTags ? { allowTags } : {}),
    ignoreTags,
    helm: Object.fromEntries(Object.entries(helm).filter(([, v]) => v !== undefined)) as UpdaterImage['helm'],
    ...(kustomizeImageName !== undefined ? { kustomizeImageName } : {}),
    ...(watchProblem !== undefined ? { watchProblem } : {}),
    notes,
  };
}

/** `write-back-method`: `argocd` (image-updater's default), `git`, `git:repocreds`, `git:secret:<ns>/<name>`. */
function parseWriteBack(method: string | undefined, target: string | undefined): WriteBack | { problem: string } {
  const m = (method ?? 'argocd').trim();
  if (m !== 'argocd' && m !== 'git' && !m.startsWith('git:')) {
    return { problem: `write-back-method ${shownValue(m)} is neither "git" (or "git:<credentials>") nor "argocd"` };
  }
  const t = target?.trim();
  let parsedTarget: WriteBack['target'];
  if (t) {
    const kind = t.split(':', 1)[0];
    if (kind !== 'kustomization' && kind !== 'helmvalues') {
      return { problem: `write-back-target ${shownValue(t)} is neither "kustomization[:<dir>]" nor "helmvalues[:<file>]"` };
    }
    const path = t.slice(kind.length + 1);
    parsedTarget = { kind, ...(path ? { path } : {}) };
  }
  return {
    method: m === 'argocd' ? 'argocd' : 'git',
    ...(m.startsWith('git:') ? { credentials: m } : {}),
    ...(parsedTarget ? { target: parsedTarget } : {}),
  };
}
