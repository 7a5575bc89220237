import { annotatedOrigin, annotatedRefusals } from '../../core/config/annotated-apps.js';
import type { Action } from '../../core/config/schema.js';
import { textTable } from '../../core/text-table.js';
import type { CommandDeps } from './spec.js';
import { defineCommand, expectArgs } from './spec.js';
import type { Subject } from '../../core/policy.js';

const APP_ACTIONS: readonly Action[] = ['deploy', 'rollback', 'status', 'history'];

export const help = defineCommand({
  name: 'help',
  usage: '/help',
  summary: 'List the commands you may use, and the apps, app groups, environments and stacks you may act on',
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
    const targets = [whatYouMayActOn(subject, deps), refusedDeclarations(subject, deps)].filter(Boolean).join('\n\n');
    return {
      kind: 'reply',
      message: { title: 'What you can ask opsbot', code: [lines.join('\n'), targets].filter(Boolean).join('\n\n'), context: `You are ${subject}.` },
    };
  },
});

/** Per app environment and per stack, what this person may do there (nothing listed: no access). */
function whatYouMayActOn(subject: Subject, deps: CommandDeps): string {
  const rows: string[][] = [];
  for (const [app, cfg] of Object.entries(deps.config.apps)) {
    for (const environment of Object.keys(cfg.environments)) {
      const may = APP_ACTIONS.filter((a) => deps.policy.can(subject, a, { app, environment }).allowed);
      const origin = annotatedOrigin(deps.config, app);
      if (may.length > 0) rows.push([origin ? `${app} (annotations on ${origin})` : app, environment, may.join(', ')]);
    }
  }
  // A group in each environment all its members have, when this person may deploy every one of them there.
  for (const [group, members] of Object.entries(deps.config.appGroups)) {
    const envs = members.map((m) => deps.config.apps[m]?.environments ?? {});
    for (const environment of Object.keys(envs[0] ?? {})) {
      const deployable = envs.every((e) => Object.hasOwn(e, environment) && !e[environment]!.protected);
      if (deployable && members.every((app) => deps.policy.can(subject, 'deploy', { app, environment }).allowed))
        rows.push([`group ${group} (${members.join(', ')})`, environment, 'deploy']);
    }
  }
  for (const stack of Object.keys(deps.config.stacks)) {
    const may = [
      deps.policy.can(subject, 'infra.plan', { stack }).allowed && 'plan',
      deps.policy.canApprove(subject, stack).allowed && 'approve',
    ].filter(Boolean);
    if (may.length > 0) rows.push([`stack ${stack}`, '', may.join(', ')]);
  }
  return rows.length > 0 ? textTable(['app / stack', 'environment', 'you may'], rows) : '';
}

/** Apps that argocd-image-updater annotations declare but opsbot cannot deploy, with why: for those who deploy. */
function refusedDeclarations(subject: Subject, deps: CommandDeps): string {
  const refused = [...annotatedRefusals(deps.config).values()];
  if (refused.length === 0 || !deps.policy.mayEver(subject, 'deploy')) return '';
  return ['Declared by argocd-image-updater annotations, not deployable through opsbot:', ...refused.map((r) => `  ${r}`)].join('\n');
}
