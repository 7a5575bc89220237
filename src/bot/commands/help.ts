import { defineCommand, expectArgs } from './spec.js';

export const help = defineCommand({
  name: 'help',
  usage: '/help',
  summary: 'List the commands you may use',
  action: null,
  parse(line) {
    expectArgs(help, line, { min: 0, max: 0 });
    return {};
  },
  async handle({ subject, deps }) {
    const lines = deps
      .commands()
      .filter((c) => c.action === null || deps.policy.mayEver(subject, c.action))
      .map((c) => `${c.usage}  —  ${c.summary}`);
    return { kind: 'reply', message: { title: 'What you can ask opsbot', code: lines.join('\n'), context: `You are ${subject}.` } };
  },
});
