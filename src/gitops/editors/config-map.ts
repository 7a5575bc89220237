import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { GitopsError } from '../errors.js';
import { formatKey, formatNew, insertBlock, insertPair, removePair } from './block-edit.js';
import type { ConfigPlace } from './config-place.js';
import { applySplices, findPair, lineOf, loadDocuments, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * Configuration kept as the keys of one YAML map: a ConfigMap manifest's `data:`, or a map in a
 * Helm values file under a configured prefix (`env`). A key is one line: set rewrites its value,
 * a new key is a line after the last one, unset removes its line.
 */
interface Located {
  /** The map holding the keys; undefined when a ConfigMap has no `data:` yet. */
  map: YAMLMap | undefined;
  /** Where `data:` is added when missing. */
  parent: YAMLMap;
  parentKey: string;
}

function mapPlace(file: string, locate: (text: string) => Located, rollsPods: ConfigPlace['rollsPods']): ConfigPlace {
  const pairFor = (map: YAMLMap | undefined, key: string) => (map ? findPair(map, key) : undefined);
  const place: ConfigPlace = {
    file,
    list(text) {
      const { map } = locate(text);
      const entries = (map?.items ?? []).flatMap((p) => {
        const pair = p as Pair<Node, unknown>;
        if (!isScalar(pair.key)) return [];
        return [{ key: String(pair.key.value), value: isScalar(pair.value) || pair.value === null ? (scalarString(pair.value) ?? '') : null }];
      });
      return { entries, notes: [] };
    },
    set(text, key, value) {
      const { map, parent, parentKey } = locate(text);
      const pair = pairFor(map, key);
      if (pair && isScalar(pair.value)) return applySplices(text, [replaceScalar(pair.value, value, file)]);
      if (pair) throw new GitopsError('E_UNEDITABLE', `${file}: ${key} at line ${lineOf(text, pair.key)} is not a single value`, file);
      if (map && map.items.length > 0) return applySplices(text, [insertPair(text, map, formatKey(key), formatNew(value), file)]);
      if (map?.flow) return applySplices(text, [insertPair(text, map, formatKey(key), formatNew(value), file)]);
      const empty = findPair(parent, parentKey);
      const base = empty ? applySplices(text, [removePair(text, parent, empty, file)]) : text;
      const again = locate(base).parent;
      return applySplices(base, [insertBlock(base, again, parentKey, [`${formatKey(key)}: ${formatNew(value)}`], file)]);
    },
    unset(text, key) {
      const { map } = locate(text);
      const pair = pairFor(map, key);
      return pair && map ? applySplices(text, [removePair(text, map, pair, file)]) : text;
    },
    rollsPods,
  };
  return place;
}

/** `data:` of the ConfigMap named `name` (or the file's only ConfigMap). */
export function configMapPlace(file: string, name: string | undefined): ConfigPlace {
  const locate = (text: string): Located => {
    const maps = loadDocuments(text, file)
      .map((d): unknown => d.contents)
      .filter((root): root is YAMLMap => isMap(root) && scalarString(findPair(root, 'kind')?.value) === 'ConfigMap');
    const nameOf = (root: YAMLMap) => {
      const n = walk(root, ['metadata', 'name']);
      return 'node' in n ? scalarString(n.node) : null;
    };
    const chosen = name ? maps.filter((m) => nameOf(m) === name) : maps;
    if (chosen.length !== 1) {
      const seen = maps.map(nameOf).join(', ') || 'none';
      const problem = chosen.length === 0 ? `no ConfigMap${name ? ` "${name}"` : ''}` : `${chosen.length} ConfigMaps (${seen}): name the one meant ("name" under config)`;
      throw new GitopsError(chosen.length === 0 ? 'E_KEY_MISSING' : 'E_CONTAINER_AMBIGUOUS', `${file}: ${problem}; ConfigMaps in the file: ${seen}`, file);
    }
    const root = chosen[0]!;
    const data = findPair(root, 'data')?.value;
    return { map: isMap(data) ? (data as YAMLMap) : undefined, parent: root, parentKey: 'data' };
  };
  // Pods read a ConfigMap at start (env) or see it updated in a mounted volume only eventually: a
  // change of its data alone restarts nothing (kubernetes.io/docs/concepts/configuration/configmap).
  return mapPlace(file, locate, () => false);
}

/** The map at a dotted `prefix` of a Helm values file (`env`, `api.config`). */
export function helmValuesPlace(file: string, prefix: string): ConfigPlace {
  const path = prefix.split('.');
  const locate = (text: string): Located => {
    const root = loadDocuments(text, file).find((d) => d.contents !== null)?.contents;
    const found = walk(root ?? null, path);
    if ('missing' in found || !isMap(found.node)) {
      const why = 'missing' in found ? `${path.slice(0, found.at + 1).join('.')} is missing` : 'it is not a map';
      throw new GitopsError('E_KEY_MISSING', `${file}: no map at ${prefix} (${why}); add it to the values file or fix "prefix" under config`, file);
    }
    return { map: found.node as YAMLMap, parent: found.node as YAMLMap, parentKey: path[path.length - 1]! };
  };
  // Whether pods restart depends on how the chart renders the map (env in the pod template: yes).
  return mapPlace(file, locate, () => 'chart');
}
