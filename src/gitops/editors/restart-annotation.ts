import { isMap, isScalar, type YAMLMap } from 'yaml';
import { GitopsError } from '../errors.js';
import { insertBlock, insertPair } from './block-edit.js';
import { applySplices, findPair, lineOf, loadDocuments, replaceScalar, scalarString, walk } from './yaml-splice.js';

/**
 * What `kubectl rollout restart` does, as a commit: it sets this annotation on the pod template
 * to the current time (RFC 3339, `time.Now().Format(time.RFC3339)` in kubectl's
 * objectrestarter.go), so the template changes and the controller rolls the pods.
 */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** RFC 3339 in UTC, to the second, as kubectl writes it. */
export function restartStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface RestartResult {
  text: string;
  /** `Deployment/worker` */
  workload: string;
}

export function bumpRestartedAt(text: string, file: string, workload: string, stamp: string): RestartResult {
  const docs = loadDocuments(text, file)
    .map((d): unknown => d.contents)
    .filter((root): root is YAMLMap => {
      if (!isMap(root) || !RESTARTABLE.includes(scalarString(findPair(root, 'kind')?.value) ?? '')) return false;
      const name = walk(root, ['metadata', 'name']);
      return 'node' in name && scalarString(name.node) === workload;
    });
  if (docs.length !== 1) {
    const problem = docs.length === 0 ? 'no Deployment, StatefulSet or DaemonSet' : `${docs.length} workloads`;
    throw new GitopsError(docs.length === 0 ? 'E_KEY_MISSING' : 'E_CONTAINER_AMBIGUOUS', `${file}: ${problem} named "${workload}" to restart; fix "restart" under config`, file);
  }
  const root = docs[0]!;
  const kind = scalarString(findPair(root, 'kind')?.value)!;
  const meta = walk(root, ['spec', 'template', 'metadata']);
  if (!('node' in meta) || !isMap(meta.node)) throw new GitopsError('E_UNEDITABLE', `${file}: ${kind}/${workload} has no spec.template.metadata to annotate`, file);
  const metadata = meta.node as YAMLMap;
  const value = JSON.stringify(stamp);
  const annotations = findPair(metadata, 'annotations');
  let splice;
  if (!annotations) splice = insertBlock(text, metadata, 'annotations', [`${RESTARTED_AT}: ${value}`], file);
  else if (!isMap(annotations.value)) throw new GitopsError('E_UNEDITABLE', `${file}: annotations at line ${lineOf(text, annotations.key)} is not a map`, file);
  else {
    const own = findPair(annotations.value as YAMLMap, RESTARTED_AT);
    splice = own && isScalar(own.value) ? replaceScalar(own.value, stamp, file) : insertPair(text, annotations.value as YAMLMap, RESTARTED_AT, value, file);
  }
  return { text: applySplices(text, [splice]), workload: `${kind}/${workload}` };
}
