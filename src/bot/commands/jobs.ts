import { textTable } from '../../core/text-table.js';
import { defineCommand, expectArgs, usage } from './spec.js';

const DEFAULT_LIMIT = 10;

export const jobs = defineCommand({
  name: 'jobs',
  usage: '/jobs [n]',
  summary: 'Recent and running jobs: state, requester, age',
  action: 'jobs',
  parse(line) {
    expectArgs(jobs, line, { min: 0, max: 1 });
    const raw = line.positional[0];
    if (raw === undefined) return { limit: DEFAULT_LIMIT };
    const limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw usage(jobs, `"${raw}" is not a number from 1 to 50.`);
    return { limit };
  },
  async handle({ args, deps }) {
    const list = await deps.queues.recent(args.limit);
    if (list.length === 0) return { kind: 'reply', message: { text: 'No jobs yet.' } };
    const now = Date.now();
    const rows = list.map((j) => {
      const state = j.outcome && j.state === 'completed' ? j.outcome : j.state;
      return [
        j.id.padStart(Math.max(...list.map((x) => x.id.length))),
        j.kind,
        state,
        j.target,
        `${j.requester.platform}:${j.requester.id}`,
        age(now - Date.parse(j.createdAt)),
      ];
    });
    return { kind: 'reply', message: { title: 'Jobs', code: textTable(['id', 'kind', 'state', 'target', 'requester', 'age'], rows) } };
  },
});

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
