import { isMap, isScalar, isSeq, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { GitopsError } from '../errors.js';
import { appendItem, formatNew, insertBlock, removeItem, removePair } from './block-edit.js';
import type { ConfigPlace } from './config-place.js';
import { applySplices, findPair, loadDocuments, mapsIn, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * A kustomize `configMapGenerator` entry's `literals:` (`- LOG_LEVEL=info`), one line per key,
 * as `kustomize edit add configmap --from-literal` would write them, byte-exact around them.
 */
interface Located {
  root: YAMLMap;
  entry: YAMLMap;
  literals: YAMLSeq | undefined;
}

function locate(text: string, file: string, name: string | undefined): Located {
  const root = loadDocuments(text, file).find((d) => d.contents !== null)?.contents;
  if (!isMap(root)) throw new GitopsError('E_YAML_BROKEN', `${file}: not a kustomization (the top level is not a map)`, file);
  const generators = mapsIn(findPair(root, 'configMapGenerator')?.value);
  const chosen = name ? generators.filter((g) => scalarString(findPair(g, 'name')?.value) === name) : generators;
  if (chosen.length !== 1) {
    const seen = generators.map((g) => scalarString(findPair(g, 'name')?.value)).join(', ') || 'none';
    const code = chosen.length === 0 ? 'E_KEY_MISSING' : 'E_CONTAINER_AMBIGUOUS';
    throw new GitopsError(code, `${file}: ${chosen.length === 0 ? `no configMapGenerator${name ? ` "${name}"` : ''}` : 'several configMapGenerators: name the one meant ("name" under config)'}; generators in the file: ${seen}`, file);
  }
  const entry = chosen[0]!;
  const literals = findPair(entry, 'literals')?.value;
  return { root, entry, literals: isSeq(literals) ? (literals as YAMLSeq) : undefined };
}

function split(item: unknown): { key: string; value: string; node: Scalar } | undefined {
  const s = scalarString(item);
  if (s === null || !isScalar(item)) return undefined;
  const eq = s.indexOf('=');
  return eq > 0 ? { key: s.slice(0, eq), value: s.slice(eq + 1), node: item } : undefined;
}

const itemFor = (literals: YAMLSeq | undefined, key: string) => (literals?.items ?? []).map(split).find((l) => l?.key === key);

export function literalsPlace(file: string, name: string | undefined): ConfigPlace {
  return {
    file,
    list(text) {
      const { entry, literals } = locate(text, file, name);
      const entries = (literals?.items ?? []).flatMap((i) => {
        const l = split(i);
        return l ? [{ key: l.key, value: l.value }] : [];
      });
      const notes = ['envs', 'files'].flatMap((k) => (findPair(entry, k) ? [`${k}: not read by opsbot (only literals are)`] : []));
      return { entries, notes };
    },
    set(text, key, value) {
      const { entry, literals } = locate(text, file, name);
      const literal = `${key}=${value}`;
      const found = itemFor(literals, key);
      if (found) return applySplices(text, [replaceScalar(found.node, literal, file)]);
      if (literals && literals.items.length > 0) return applySplices(text, [appendItem(text, literals, [formatNew(literal)], file)]);
      const empty = findPair(entry, 'literals');
      const base = empty ? applySplices(text, [removePair(text, entry, empty, file)]) : text;
      const again = locate(base, file, name).entry;
      return applySplices(base, [insertBlock(base, again, 'literals', [`- ${formatNew(literal)}`], file)]);
    },
    unset(text, key) {
      const { literals } = locate(text, file, name);
      const found = itemFor(literals, key);
      return found && literals ? applySplices(text, [removeItem(text, literals, found.node, file)]) : text;
    },
    rollsPods(text) {
      // kustomize appends a hash of the data to the generated name and rewrites the references, so
      // the pod template changes and the pods roll — unless the hash suffix is turned off.
      const { root, entry } = locate(text, file, name);
      const off = (m: unknown) => {
        const v = walk(m, ['disableNameSuffixHash']);
        return 'node' in v && scalarString(v.node) === 'true';
      };
      const own = findPair(entry, 'options')?.value;
      const global = findPair(root, 'generatorOptions')?.value;
      return !((isMap(own) && off(own)) || (isMap(global) && off(global)));
    },
  };
}
