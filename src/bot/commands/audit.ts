import { defineCommand, expectArgs, usage } from './spec.js';

export const audit = defineCommand({
  name: 'audit',
  usage: '/audit [n]',
  summary: 'The last n audit entries (admins)',
  action: 'admin',
  parse(line) {
    expectArgs(audit, line, { min: 0, max: 1 });
    const raw = line.positional[0] ?? '20';
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 200) throw usage(audit, `"${raw}" is not a number from 1 to 200.`);
    return { n };
  },
  async handle({ args, deps }) {
    const entries = await deps.audit.recent(args.n);
    if (entries.length === 0) return { kind: 'reply', message: { text: 'The audit log is empty.' } };
    const rows = entries.map(
      (e) =>
        `${e.time}  ${e.actor}  ${e.action}  ${e.target || '-'}  ${e.result}${e.job ? `  job ${e.job}` : ''}${e.detail ? `  (${e.detail})` : ''}`,
    );
    return { kind: 'reply', message: { title: `Audit: last ${entries.length}`, code: rows.join('\n') } };
  },
});
