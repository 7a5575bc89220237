import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { GitopsError } from '../errors.js';
import { appendItem, formatNew, insertBlock, insertPair, removeItem, removePair } from './block-edit.js';
import type { ConfigEntry, ConfigListing, ConfigPlace } from './config-place.js';
import { POD_SPEC_PATH } from './manifest.js';
import { applySplices, findPair, lineOf, loadDocuments, mapsIn, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * A container's `env:` list in a plain manifest (Deployment, StatefulSet, DaemonSet, CronJob;
 * multi-document files). The container is found by name among `containers` and
 * `initContainers` of every workload in the file, so an init container listed first is never
 * mistaken for the main one. Only `value:` entries are edited: a `valueFrom` points at a Secret,
 * a ConfigMap or a field, and changing it here would not change the value.
 */
interface Found {
  container: YAMLMap;
  envPair: Pair<Node, unknown> | undefined;
  env: YAMLSeq | undefined;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'ReplicaSet'];

function findContainer(text: string, file: string, name: string): Found {
  const found: { container: YAMLMap; workload: string }[] = [];
  for (const doc of loadDocuments(text, file)) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = scalarString(findPair(root, 'kind')?.value) ?? '';
    if (!WORKLOADS.includes(kind)) continue;
    const spec = walk(root, POD_SPEC_PATH[kind]!);
    if (!('node' in spec) || !isMap(spec.node)) continue;
    const meta = walk(root, ['metadata', 'name']);
    const workload = `${kind}/${('node' in meta ? scalarString(meta.node) : null) ?? '?'}`;
    for (const list of ['initContainers', 'containers']) {
      for (const c of mapsIn(findPair(spec.node as YAMLMap, list)?.value)) if (scalarString(findPair(c, 'name')?.value) === name) found.push({ container: c, workload });
    }
  }
  if (found.length === 0) throw new GitopsError('E_KEY_MISSING', `${file}: no container "${name}" in a Deployment, StatefulSet, DaemonSet or CronJob; fix "container" under config in opsbot.yaml`, file);
  if (found.length > 1) {
    const where = found.map((f) => `${f.workload} (line ${lineOf(text, f.container)})`).join(', ');
    throw new GitopsError('E_CONTAINER_AMBIGUOUS', `${file}: container "${name}" appears ${found.length} times: ${where}`, file);
  }
  const container = found[0]!.container;
  const envPair = findPair(container, 'env');
  const env = isSeq(envPair?.value) ? (envPair.value as YAMLSeq) : undefined;
  if (envPair && !env && !(isScalar(envPair.value) && envPair.value.value === null) && envPair.value !== null) {
    throw new GitopsError('E_UNEDITABLE', `${file}: env of container "${name}" at line ${lineOf(text, envPair.key)} is not a list`, file);
  }
  return { container, envPair, env };
}

function describeValueFrom(node: unknown): Pick<ConfigEntry, 'from' | 'secret'> {
  const src = isMap(node) ? node.items[0] : undefined;
  const kind = src && isScalar(src.key) ? String(src.key.value) : 'elsewhere';
  const ref = isMap(src?.value) ? (src.value as YAMLMap) : undefined;
  const field = (k: string) => (ref ? scalarString(findPair(ref, k)?.value) : null);
  switch (kind) {
    case 'secretKeyRef':
      return { from: 'a Secret', secret: true };
    case 'configMapKeyRef':
      return { from: `ConfigMap ${field('name') ?? '?'} key ${field('key') ?? '?'}` };
    case 'fieldRef':
      return { from: `field ${field('fieldPath') ?? '?'}` };
    case 'resourceFieldRef':
      return { from: `resource ${field('resource') ?? '?'}` };
    default:
      return { from: kind };
  }
}

function entryOf(item: YAMLMap): ConfigEntry | undefined {
  const key = scalarString(findPair(item, 'name')?.value);
  if (key === null) return undefined;
  const valueFrom = findPair(item, 'valueFrom');
  if (valueFrom) return { key, value: null, ...describeValueFrom(valueFrom.value) };
  const value = findPair(item, 'value');
  return { key, value: value ? (scalarString(value.value) ?? '') : '' };
}

function itemFor(env: YAMLSeq | undefined, key: string): YAMLMap | undefined {
  return mapsIn(env).find((i) => scalarString(findPair(i, 'name')?.value) === key);
}

export function envPlace(file: string, container: string): ConfigPlace {
  return {
    file,
    list(text) {
      const { container: c, env } = findContainer(text, file, container);
      const entries = mapsIn(env).flatMap((i) => entryOf(i) ?? []);
      const notes: string[] = [];
      for (const from of mapsIn(findPair(c, 'envFrom')?.value)) {
        for (const [k, label] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
          const ref = findPair(from, k)?.value;
          if (isMap(ref)) notes.push(`envFrom: ${label} ${scalarString(findPair(ref, 'name')?.value) ?? '?'}${label === 'Secret' ? ' (values not shown)' : ''}`);
        }
      }
      return { entries, notes } satisfies ConfigListing;
    },
    set(text, key, value) {
      const found = findContainer(text, file, container);
      const item = itemFor(found.env, key);
      if (item) {
        const v = findPair(item, 'value');
        if (v && isScalar(v.value)) return applySplices(text, [replaceScalar(v.value, value, file)]);
        return applySplices(text, [insertPair(text, item, 'value', formatNew(value), file)]);
      }
      const lines = [`name: ${formatNew(key)}`, `value: ${formatNew(value)}`];
      if (found.env && found.env.items.length > 0) return applySplices(text, [appendItem(text, found.env, lines, file)]);
      if (found.envPair) {
        // `env: []` or `env:` with nothing under it: replaced by the block list.
        const splice = removePair(text, found.container, found.envPair, file);
        const rest = applySplices(text, [splice]);
        return envPlace(file, container).set(rest, key, value);
      }
      return applySplices(text, [insertBlock(text, found.container, 'env', [`- ${lines[0]}`, `  ${lines[1]}`], file)]);
    },
    unset(text, key) {
      const found = findContainer(text, file, container);
      const item = itemFor(found.env, key);
      if (!item || !found.env) return text;
      // The last entry takes `env:` with it: an empty `env:` would be noise in the manifest.
      const only = found.env.items.length === 1 && found.envPair;
      return applySplices(text, [only ? removePair(text, found.container, found.envPair!, file) : removeItem(text, found.env, item, file)]);
    },
    rollsPods: () => true,
  };
}
