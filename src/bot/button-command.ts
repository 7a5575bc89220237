import type { Button } from '../core/message.js';

/**
 * The command text a button stands for, as every platform sends it back on a click. Arguments
 * are single words (plan ids, stack names, job ids): one with a space would change what runs,
 * so it is refused here rather than rendered.
 */
export function buttonCommand(button: Button): string {
  const { command, args } = button.action;
  const bad = args.find((a) => !/^\S+$/.test(a));
  if (bad !== undefined) throw new Error(`button "${button.label}": argument ${JSON.stringify(bad)} is not one word`);
  return [command, ...args].join(' ');
}
