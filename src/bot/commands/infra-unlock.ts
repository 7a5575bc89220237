import { NAME_PATTERN } from '../../core/config/schema.js';
import { describeHolder } from '../../terraform/stack-lock.js';
import { defineCommand, expectArgs, usage } from './spec.js';

export const infraUnlock = defineCommand({
  name: 'infra unlock',
  usage: '/infra unlock <stack>',
  summary: "Free a stuck stack lock (admins; audited). Terraform's own state lock is not touched",
  action: 'admin',
  parse(line) {
    expectArgs(infraUnlock, line, { min: 1, max: 1 });
    const stack = line.positional[0]!;
    // Not required to be configured: a lock of a stack removed from the config must be freeable.
    if (!NAME_PATTERN.test(stack)) throw usage(infraUnlock, `"${stack}" is not a stack name.`);
    return { stack };
  },
  resource: (a) => ({ stack: a.stack }),
  target: (a) => `stack ${a.stack}`,
  async handle({ args, deps, subject, command }) {
    const held = await deps.infra.locks.forceUnlock(args.stack);
    if (held === null) return { kind: 'reply', message: { text: `Stack ${args.stack} was not locked.` } };
    const was = describeHolder(args.stack, held ?? undefined);
    await deps.audit.append({ actor: subject, platform: command.actor.platform, action: 'infra.unlock', target: `stack ${args.stack}`, result: 'succeeded', detail: was });
    return {
      kind: 'reply',
      message: {
        status: 'warning',
        title: `Stack ${args.stack} unlocked`,
        text: `${was}\nIts lock is freed. If that job was killed mid-apply, Terraform's state lock may remain too: \`tofu force-unlock <lock id>\` in the stack, after checking nobody is applying.`,
      },
    };
  },
});
