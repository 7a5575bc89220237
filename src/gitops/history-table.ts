import { textTable } from '../core/text-table.js';
import type { DeployRecord } from './deploy-history.js';

/**
 * `/history` as a table, newest first: the current version is marked, rollbacks say what they
 * rolled back from, and a version that was rolled back from says so.
 */
export function historyTable(records: readonly DeployRecord[]): string {
  const rows = records.map((r, i) => {
    const notes: string[] = [];
    if (i === 0) notes.push('← current');
    if (r.verb === 'rollback') notes.push(`rollback from ${r.from ?? '?'}`);
    const newer = records[i - 1];
    if (newer?.verb === 'rollback' && newer.from === r.tag) notes.push('rolled back');
    return [r.when.slice(0, 16).replace('T', ' '), r.tag ?? '?', r.sha.slice(0, 8), r.requestedBy ?? 'unknown', notes.join(', ')];
  });
  return textTable(['when', 'tag', 'commit', 'by', ''], rows);
}
