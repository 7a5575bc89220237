import { isMap, isScalar, type Scalar, type YAMLMap } from 'yaml';
import { GitopsError } from '../errors.js';
import type { EditResult } from './edit-result.js';
import { effectiveRef, formatImageRef, parseImageRef, parseRequestedRef, sameRepository, withRequestedRef } from './image-ref.js';
import { applySplices, findPair, lineOf, loadDocuments, mapsIn, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * Plain Kubernetes manifests, usually multi-document (a SecretProviderClass, a Service, PVCs and
 * one or two Deployments in one file). The container is found by name AND image repository, so a
 * Redis beside the app, or an init container of another image, is never touched by mistake.
 */
export interface ManifestTarget {
  file: string;
  /** The app's image repository, e.g. `ghcr.io/example/worker`. */
  image: string;
  /** Container name (containers and initContainers are both searched). */
  container: string;
}

/** Where each workload kind keeps its pod spec. */
export const POD_SPEC_PATH: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

interface Candidate {
  workload: string;
  image: Scalar;
  value: string;
}

/** Every container (init containers too) of every workload in the file, with its name. */
function containersIn(text: string, file: string): (Candidate & { name: string })[] {
  const out: (Candidate & { name: string })[] = [];
  for (const doc of loadDocuments(text, file)) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = scalarString(findPair(root, 'kind')?.value);
    const path = kind ? POD_SPEC_PATH[kind] : undefined;
    if (!path) continue;
    const spec = walk(root, path);
    if (!('node' in spec) || !isMap(spec.node)) continue;
    const meta = walk(root, ['metadata', 'name']);
    const workload = ('node' in meta ? scalarString(meta.node) : null) ?? '?';
    for (const list of ['initContainers', 'containers']) {
      for (const c of mapsIn(findPair(spec.node as YAMLMap, list)?.value)) {
        const name = scalarString(findPair(c, 'name')?.value);
        const img = findPair(c, 'image')?.value;
        if (name !== null && isScalar(img) && typeof img.value === 'string') out.push({ name, workload: `${kind}/${workload}`, image: img, value: img.value });
      }
    }
  }
  return out;
}

/** The containers of a file that run `image` (any tag or digest): where a plain-manifest app is. */
export function containersRunning(text: string, file: string, image: string): { container: string; workload: string }[] {
  return containersIn(text, file)
    .filter((c) => sameRepository(parseImageRef(c.value).repository, image))
    .map((c) => ({ container: c.name, workload: c.workload }));
}

function findContainer(text: string, { file, image, container }: ManifestTarget): Candidate {
  const byName = containersIn(text, file).filter((c) => c.name === container);
  const matches = byName.filter((c) => sameRepository(parseImageRef(c.value).repository, image));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const where = matches.map((m) => `${m.workload} (line ${lineOf(text, m.image)})`).join(', ');
    throw new GitopsError('E_CONTAINER_AMBIGUOUS', `${file}: container "${container}" with image ${image} appears ${matches.length} times: ${where}`, file);
  }
  const seen = byName.length ? `; container "${container}" exists but runs ${byName.map((c) => c.value).join(', ')}` : '';
  throw new GitopsError('E_IMAGE_MISSING', `${file}: no container "${container}" running ${image} in a Deployment, StatefulSet, DaemonSet or CronJob${seen}`, file);
}

/** The container's tag or digest (a digest wins); null for a bare image such as `influxdb`. */
export function currentManifestTag(text: string, target: ManifestTarget): string | null {
  return effectiveRef(parseImageRef(findContainer(text, target).value));
}

export function editManifest(text: string, target: ManifestTarget & { ref: string }): EditResult {
  const requested = parseRequestedRef(target.ref, target.file);
  const found = findContainer(text, target);
  const before = parseImageRef(found.value);
  // Keep the repository exactly as written (registry, port, Docker Hub shorthand).
  const after = formatImageRef(withRequestedRef(before, requested));
  if (after === found.value) return { text, old: effectiveRef(before), new: requested.value, changed: false };
  const next = applySplices(text, [replaceScalar(found.image, after, target.file)]);
  return { text: next, old: effectiveRef(before), new: requested.value, changed: next !== text };
}
