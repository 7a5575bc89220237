import type { Action, Config, Rule } from './config/schema.js';
import type { ConfigProblem } from './config/load.js';
import { ACTION_RESOURCES, coversKind, isScoped } from './policy.js';
import { ownEntry } from './config/own-entry.js';

/**
 * What `check-config` warns about in access rules: rules that grant more than they seem to
 * (everyone on a chat platform, every action) and rules that grant less (an action the rule's
 * scope cannot reach, administration scoped to stacks). Pure, so each case is table-tested.
 */

const MUTATING: readonly Action[] = ['deploy', 'rollback', 'infra.plan', 'infra.approve', 'cancel', 'admin'];
/** Whoever can reach the bot on a chat platform: anyone in the workspace, anyone who finds it on Telegram. */
const CHAT_WILDCARDS: Readonly<Record<string, string>> = {
  '*': 'anyone who can reach opsbot',
  'slack:*': 'anyone in the Slack workspace',
  'telegram:*': 'anyone on Telegram who can message the bot',
};
const KIND_WORDS = { app: 'apps or environments', stack: 'stacks', none: 'no app, environment or stack' } as const;
const ABOUT: Partial<Record<Action, string>> = {
  admin: 'admin is administration: /audit, /diagnose and cancelling jobs are about no app, environment or stack, /infra unlock about stacks',
};

export function accessWarnings(config: Pick<Config, 'access' | 'groups' | 'stacks' | 'apps' | 'argocd'>): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  config.access.rules.forEach((rule, i) => {
    const path = `access.rules.${i}`;
    (rule.apps ?? []).forEach((app, j) => {
      if (!app.includes('*') && !ownEntry(config.apps, app) && config.argocd.imageUpdater.enabled)
        warnings.push({
          path: `${path}.apps.${j}`,
          message: `app "${app}" is not in opsbot.yaml: the rule covers it only while argocd-image-updater annotations on an Application declare it`,
        });
    });
    const everyone = wildcardReach(rule.subjects, config.groups);
    const mutating = rule.actions.includes('*') ? MUTATING : MUTATING.filter((a) => rule.actions.includes(a));
    if (everyone && mutating.length > 0) warnings.push({ path, message: `${everyone} may ${mutating.join(', ')}${scopeWords(rule)}` });
    if (rule.actions.includes('*')) {
      warnings.push({
        path,
        message: `"*" grants every action — deploy, rollback, config, infra.plan, infra.approve, cancel and administration (admin)${scopeWords(rule)}`,
      });
    }
    if (isScoped(rule)) {
      for (const action of rule.actions) {
        if (action === '*' || (config.access.everyone as readonly string[]).includes(action)) continue;
        const kinds = ACTION_RESOURCES[action];
        if (kinds.some((k) => coversKind(rule, k))) continue;
        const about = ABOUT[action] ?? `${action} is about ${kinds.map((k) => KIND_WORDS[k]).join(' or ')}`;
        warnings.push({
          path,
          message: `grants ${action} nowhere: ${about}, and a rule that names ${namedWords(rule)} covers only those (put ${action} in a rule that names ${kinds.includes('none') ? 'no apps, environments or stacks' : KIND_WORDS[kinds[0]!]})`,
        });
      }
      if (rule.actions.includes('admin') && coversKind(rule, 'stack')) {
        warnings.push({
          path,
          message:
            "admin with stacks grants only /infra unlock of those stacks, not /audit, /diagnose or cancelling others' jobs (those need a rule without apps, environments or stacks)",
        });
      }
    }
  });
  for (const [name, stack] of Object.entries(config.stacks)) {
    stack.approvers.forEach((a, i) => {
      const reach = wildcardReach([a], config.groups);
      if (reach)
        warnings.push({
          path: `stacks.${name}.approvers.${i}`,
          message: `${reach} who also has infra.approve on stack ${name} may approve its plans`,
        });
    });
  }
  return warnings;
}

/** Whom a rule's subjects reach beyond named people, directly or through a group. */
function wildcardReach(subjects: readonly string[], groups: Config['groups']): string | undefined {
  for (const s of subjects) {
    const wildcard = ownEntry(CHAT_WILDCARDS, s);
    if (wildcard) return wildcard;
    if (s.startsWith('group:')) {
      const member = (ownEntry(groups, s.slice(6)) ?? []).find((m) => ownEntry(CHAT_WILDCARDS, m));
      if (member) return `${CHAT_WILDCARDS[member]} (${member} is in ${s})`;
    }
  }
  return undefined;
}

function namedWords(rule: Pick<Rule, 'apps' | 'environments' | 'stacks'>): string {
  return [rule.apps && 'apps', rule.environments && 'environments', rule.stacks && 'stacks'].filter(Boolean).join(' and ');
}

function scopeWords(rule: Pick<Rule, 'apps' | 'environments' | 'stacks'>): string {
  if (!isScoped(rule)) return ', on every app, environment and stack';
  const parts = [
    rule.apps && `apps ${rule.apps.join(', ')}`,
    rule.environments && `environments ${rule.environments.join(', ')}`,
    rule.stacks && `stacks ${rule.stacks.join(', ')}`,
  ].filter(Boolean);
  return `, on ${parts.join('; ')}`;
}
