import { posix } from 'node:path';
import type { Application, ApplicationSource } from '../argocd/application.js';
import {
  hasImageList,
  parseUpdaterAnnotations,
  shownValue,
  type UpdaterDeclaration,
  type UpdaterImage,
} from '../argocd/image-updater-annotations.js';
import type { AnnotatedApp } from '../core/config/annotated-apps.js';
import { ownEntry } from '../core/config/own-entry.js';
import { NAME_PATTERN, REPO_PATH_PATTERN, type Config, type TagLocation, type WatchConfig } from '../core/config/schema.js';
import { parseRepository } from '../core/oci-reference.js';
import { watchRuleOf, watchTags } from './annotated-watch-rule.js';
import { containersRunning } from '../gitops/editors/manifest.js';
import { watchDestinations, type WatchTarget } from './watch-targets.js';

/**
 * From the Applications opsbot's watcher sees to apps: each image of an Application's
 * argocd-image-updater `image-list` becomes an app (its alias, else the image's last path
 * component), the Application one of its environments, the file to edit comes from the source
 * path and its kind (kustomize / Helm), and its strategy becomes a registry watch that proposes.
 * Pure: the same Applications and config always give the same apps, refusals and notes.
 */
/** The YAML files of a plain-manifest directory, as read from the GitOps repository; undefined: not read yet. */
export type ManifestLookup = (dir: string, recurse: boolean) => ReadonlyMap<string, string> | { error: string } | undefined;

export interface DerivedApps {
  apps: Map<string, AnnotatedApp>;
  /** Declared but not deployable through opsbot: app name (or `Application ns/name`) → why. */
  refusals: Map<string, string>;
  /** Refusals that are a choice, not a mistake (image-updater's own `argocd` write-back): said at info level. */
  byChoice: Set<string>;
  watches: WatchTarget[];
  /** `web@staging: …`: settings handled opsbot's own way, or not watched, for the log and /help. */
  notes: Map<string, string[]>;
  /** Plain-manifest directories to read before their apps can be derived. */
  pendingScans: { dir: string; recurse: boolean }[];
}

const HELM_KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function deriveAnnotatedApps(
  applications: readonly Application[],
  config: Config,
  gitopsUrl: string | undefined,
  manifests: ManifestLookup = () => undefined,
): DerivedApps {
  const out: DerivedApps = { apps: new Map(), refusals: new Map(), byChoice: new Set(), watches: [], notes: new Map(), pendingScans: [] };
  const namespace = config.argocd.namespaces[0] ?? 'argocd';
  const destinationOf = watchDestinations(config);
  const sorted = applications
    .filter((a) => hasImageList(a.annotations))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const application of sorted) {
    const where = `${application.namespace}/${application.name}`;
    const refuseAll = (why: string) => out.refusals.set(`Application ${where}`, `${where}: ${why}`);
    if (application.namespace !== namespace) {
      refuseAll(`opsbot follows deploys in ${namespace}, the first of argocd.namespaces`);
      continue;
    }
    const declaration = parseUpdaterAnnotations(application.annotations);
    if (declaration.problem) {
      refuseAll(declaration.problem);
      continue;
    }
    for (const image of declaration.images) {
      const name = image.alias ?? image.image.split('/').at(-1)!;
      if (!NAME_PATTERN.test(name)) {
        refuseAll(`the alias or image name ${shownValue(name)} is not usable as an app name (lowercase letters, digits and "-", at most 63)`);
        continue;
      }
      const env = environmentOf(application.name, name);
      const refuse = (why: string) => {
        if (!out.apps.has(name)) out.refusals.set(name, `${name} (declared on Application ${where}): ${why}`);
      };
      const refusal = deployRefusal(name, application, declaration, image, config, gitopsUrl, env, out.apps.get(name));
      if (refusal) {
        refuse(refusal);
        if (declaration.writeBack.method === 'argocd') out.byChoice.add(name);
        continue;
      }
      const located = locationOf(application, declaration, image, manifests);
      if ('scan' in located) {
        out.pendingScans.push(located.scan);
        refuse('its manifests are being read');
        continue;
      }
      if ('refusal' in located) {
        refuse(located.refusal);
        continue;
      }
      const notes = [...declaration.notes, ...image.notes, ...located.notes];
      const rule = watchRuleOf(image, located.location);
      const location: TagLocation = { ...located.location, ...(rule.pin ? { pin: 'digest' as const } : {}) };
      const existing = out.apps.get(name);
      const app = existing?.app ?? { image: image.image, environments: {} };
      app.environments[env] = location;
      out.apps.set(name, { app, origin: existing ? `${existing.origin}, ${where}` : where });
      out.refusals.delete(name);
      out.byChoice.delete(name);
      if ('problem' in rule) notes.push(`not watched: ${rule.problem}`);
      else {
        const watch: WatchConfig = { tags: watchTags(rule.rule), mode: 'propose', interval: config.argocd.imageUpdater.interval };
        out.watches.push({
          app: name,
          env,
          image: image.image,
          protected: false,
          watch,
          rule: rule.rule,
          destination: destinationOf(application.name),
        });
      }
      if (notes.length > 0) out.notes.set(`${name}@${env}`, notes);
    }
  }
  return out;
}

/** `web-staging` declaring `web` → staging; an Application named as the app → `default`; any other name is the environment. */
export function environmentOf(application: string, app: string): string {
  if (application === app) return 'default';
  return application.startsWith(`${app}-`) ? application.slice(app.length + 1) : application;
}

function deployRefusal(
  name: string,
  application: Application,
  declaration: UpdaterDeclaration,
  image: UpdaterImage,
  config: Config,
  gitopsUrl: string | undefined,
  env: string,
  existing: AnnotatedApp | undefined,
): string | undefined {
  if (declaration.writeBack.method === 'argocd') {
    return 'its write-back-method is argocd (the default): argocd-image-updater sets Argo CD parameters for it, while opsbot deploys by committing to git. Annotate write-back-method: git to deploy it through opsbot';
  }
  if (!NAME_PATTERN.test(env)) return `its environment name ${shownValue(env)} (from the Application's name) is not usable`;
  try {
    parseRepository(image.image);
  } catch (err) {
    return (err as Error).message;
  }
  if (ownEntry(config.appGroups, name) !== undefined) return 'its name is an app group of opsbot.yaml';
  if (!config.gitops || !gitopsUrl) return 'opsbot.yaml has no gitops repository to commit to';
  const source = onlySource(application);
  if (typeof source === 'string') return source;
  const written = declaration.gitRepository ?? source.repoURL ?? '';
  if (repositoryKey(written) !== repositoryKey(gitopsUrl))
    return `it is written to ${shownValue(written)}, not to the GitOps repository opsbot commits to`;
  const branch = declaration.gitBranch ?? source.targetRevision ?? 'HEAD';
  if (branch.includes(':'))
    return `git-branch ${shownValue(branch)} writes to a branch of its own; opsbot commits to ${config.gitops.branch}, the branch Argo CD follows`;
  if (branch !== 'HEAD' && branch !== config.gitops.branch)
    return `it follows the branch ${shownValue(branch)}; opsbot commits to ${config.gitops.branch}`;
  if (existing && existing.app.image !== image.image)
    return `it names the image ${image.image}, but ${existing.origin} declared ${existing.app.image} for the same app`;
  if (existing && ownEntry(existing.app.environments, env)) return `${env} is declared twice (also by ${existing.origin})`;
  return undefined;
}

function onlySource(application: Application): ApplicationSource | string {
  if (application.sources.length !== 1) return `it has ${application.sources.length} sources; opsbot edits Applications of one git source`;
  const source = application.sources[0]!;
  if (source.chart) return 'its source is a Helm chart repository, not the GitOps repository';
  return source;
}

/** Host and path of a git remote, however written (`https://`, `ssh://`, `git@host:path`, `file://`, a path), without `.git`. */
export function repositoryKey(url: string): string {
  const u = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) return `${scp[1]!.toLowerCase()}/${scp[2]!.replace(/^\/+/, '')}`;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'file:') return posix.normalize(decodeURIComponent(parsed.pathname));
    return `${parsed.hostname.toLowerCase()}${parsed.port ? `:${parsed.port}` : ''}/${parsed.pathname.replace(/^\/+/, '')}`;
  } catch {
    return posix.normalize(u);
  }
}

/** A path of the annotations, relative to the source path or (with a leading `/`) to the repository; never outside it. */
function repoPathOf(base: string, written: string): string | undefined {
  const joined = posix.normalize(written.startsWith('/') ? written.slice(1) : posix.join(base, written));
  const path = joined.replace(/\/+$/, '');
  return path !== '.' && REPO_PATH_PATTERN.test(path) ? path : undefined;
}

type Located = { location: TagLocation; notes: string[] } | { refusal: string } | { scan: { dir: string; recurse: boolean } };

function locationOf(application: Application, declaration: UpdaterDeclaration, image: UpdaterImage, manifests: ManifestLookup): Located {
  const source = application.sources[0]!;
  const base = source.path ?? '.';
  if (base !== '.' && !REPO_PATH_PATTERN.test(base)) return { refusal: `its source path ${shownValue(base)} is not a path inside the repository` };
  const common = { application: application.name, protected: false };
  const notes: string[] = [];
  const target = declaration.writeBack.target;
  const kind = target ? (target.kind === 'kustomization' ? 'kustomize' : 'helm') : (source.tool ?? application.sourceType?.toLowerCase());
  if (!target && (kind === 'kustomize' || kind === 'helm')) {
    notes.push(
      `no write-back-target: argocd-image-updater would write .argocd-source-${application.name}.yaml; opsbot edits the ${kind === 'kustomize' ? 'kustomization' : 'values.yaml'} of the source path (as write-back-target: ${kind === 'kustomize' ? 'kustomization' : 'helmvalues:values.yaml'})`,
    );
  }
  if (kind === 'kustomize') {
    const dir = target?.path === undefined ? (base === '.' ? '' : base) : repoPathOf(base, target.path);
    if (dir === undefined) return { refusal: `write-back-target ${shownValue(target?.path ?? '')} is not a directory inside the repository` };
    if (image.kustomizeImageName !== undefined && image.kustomizeImageName !== image.image) {
      notes.push(`kustomize.image-name ${image.kustomizeImageName}: opsbot edits the images entry whose name or newName is ${image.image}`);
    }
    return { location: { kind: 'kustomize', path: dir ? `${dir}/kustomization.yaml` : 'kustomization.yaml', ...common }, notes };
  }
  if (kind === 'helm') {
    const file = repoPathOf(base, target?.path ?? 'values.yaml');
    if (file === undefined) return { refusal: `write-back-target ${shownValue(target?.path ?? '')} is not a file inside the repository` };
    if (image.helm.imageSpec !== undefined)
      return { refusal: `helm.image-spec sets image and tag in one value; opsbot writes a tag key (use helm.image-tag)` };
    const key = image.helm.imageTag ?? 'image.tag';
    if (!HELM_KEY.test(key)) return { refusal: `helm.image-tag ${shownValue(key)} is not a dotted key path such as image.tag` };
    if (image.helm.imageName !== undefined)
      notes.push(`helm.image-name ${image.helm.imageName}: opsbot changes only ${key}; the image name stays as the values file has it`);
    return { location: { kind: 'helm-values', path: file, key, ...common }, notes };
  }
  if (kind === 'directory') return manifestLocation(base, source.recurse === true, image, manifests, common);
  if (kind === undefined) return { refusal: 'Argo CD has not reported its source type yet (Kustomize or Helm); it is read again when it does' };
  return { refusal: `its source type ${shownValue(kind)} is neither Kustomize nor Helm` };
}

/**
 * Plain manifests (argocd-image-updater cannot write them back): the one container under the
 * source path that runs the image is the place; none or several, and opsbot.yaml must say which.
 */
function manifestLocation(
  dir: string,
  recurse: boolean,
  image: UpdaterImage,
  manifests: ManifestLookup,
  common: { application: string; protected: boolean },
): Located {
  const files = manifests(dir, recurse);
  if (files === undefined) return { scan: { dir, recurse } };
  if ('error' in files) return { refusal: `its manifests could not be read from the GitOps repository: ${files.error}` };
  const found: { file: string; container: string; workload: string }[] = [];
  for (const [file, text] of files) {
    try {
      found.push(...containersRunning(text, file, image.image).map((c) => ({ file, ...c })));
    } catch {
      // A file that is not YAML Argo CD could apply is not where the image is.
    }
  }
  const where = found.map((f) => `${f.file} ${f.workload} container ${f.container}`).join(', ');
  if (found.length === 0) return { refusal: `no Deployment, StatefulSet, DaemonSet or CronJob under ${dir} runs ${image.image}` };
  if (found.length > 1) return { refusal: `${image.image} runs in ${found.length} containers (${where}): say which in opsbot.yaml (kind: manifest)` };
  const [only] = found as [(typeof found)[0]];
  if (!REPO_PATH_PATTERN.test(only.file) || !NAME_PATTERN.test(only.container))
    return { refusal: `${where} is not a file and container name opsbot accepts` };
  return {
    location: { kind: 'manifest', path: only.file, container: only.container, ...common },
    notes: [`plain manifests: opsbot edits ${where} (argocd-image-updater cannot write plain manifests back)`],
  };
}
