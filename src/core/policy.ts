import type { Action, Config, Rule } from './config/schema.js';

/** Who is asking: `platform:id`, as access rules name them. */
export type Subject = `${'slack' | 'telegram' | 'console'}:${string}`;

/** What the action is about; unset fields are "not applicable" (e.g. /jobs has no app). */
export interface Resource {
  app?: string;
  environment?: string;
  stack?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why not, in words a chat user can act on. */
  reason?: string;
}

/** Actions that read only; everything else changes the world and is denied unless a rule allows it. */
const READ_ONLY: ReadonlySet<Action> = new Set(['status', 'history', 'jobs']);

/**
 * Access rules: subjects (people and `group:`s) × actions × resources (app, environment,
 * stack patterns). Pure: no I/O, so every decision is table-testable.
 */
/** More names a subject answers to, from outside the config (e.g. Slack user-group membership). */
export type IdentitySource = (subject: Subject) => string[];

export class Policy {
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly sources: IdentitySource[] = [];

  constructor(private readonly config: Pick<Config, 'groups' | 'access' | 'stacks'>) {
    for (const [group, members] of Object.entries(config.groups)) {
      for (const m of members) {
        const set = this.groupsOf.get(m) ?? new Set<string>();
        set.add(group);
        this.groupsOf.set(m, set);
      }
    }
  }

  /** Every name the subject answers to: itself, its platform wildcard, its groups, `*`. */
  identities(subject: Subject): Set<string> {
    const platform = subject.slice(0, subject.indexOf(':'));
    const ids = new Set<string>([subject, `${platform}:*`, '*']);
    for (const id of [subject, `${platform}:*`]) {
      for (const g of this.groupsOf.get(id) ?? []) ids.add(`group:${g}`);
    }
    // Only `group:` names from outside: a source can widen group membership, never impersonate.
    for (const source of this.sources) for (const g of source(subject)) if (g.startsWith('group:')) ids.add(g);
    return ids;
  }

  /** Register a source of group memberships kept outside the config (cached by its owner). */
  addIdentitySource(source: IdentitySource): void {
    this.sources.push(source);
  }

  can(subject: Subject, action: Action, resource: Resource = {}): Decision {
    if (READ_ONLY.has(action) && this.config.access.everyone.includes(action as 'status' | 'history' | 'jobs')) {
      return { allowed: true };
    }
    const ids = this.identities(subject);
    const rule = this.config.access.rules.find((r) => appliesTo(r, ids, action, resource));
    if (rule) return { allowed: true };
    return { allowed: false, reason: denialReason(subject, action, resource) };
  }

  /** Is there any resource on which the subject may do this? (/help lists what this user may run) */
  mayEver(subject: Subject, action: Action): boolean {
    if (READ_ONLY.has(action) && this.config.access.everyone.includes(action as 'status' | 'history' | 'jobs')) return true;
    const ids = this.identities(subject);
    return this.config.access.rules.some((r) => r.subjects.some((s) => ids.has(s)) && (r.actions.includes(action) || r.actions.includes('admin')));
  }

  /**
   * May this subject approve a plan of this stack? Approvers are named on the stack; without
   * such a list, anyone with `infra.approve` on the stack may. Four-eyes rules live elsewhere.
   */
  canApprove(subject: Subject, stack: string): Decision {
    const approvers = this.config.stacks[stack]?.approvers ?? [];
    if (approvers.length > 0) {
      const ids = this.identities(subject);
      if (!approvers.some((a) => ids.has(a))) {
        return { allowed: false, reason: `you are not an approver of stack ${stack} (approvers: ${approvers.join(', ')})` };
      }
    }
    return this.can(subject, 'infra.approve', { stack });
  }
}

function appliesTo(rule: Rule, ids: Set<string>, action: Action, res: Resource): boolean {
  if (!rule.subjects.some((s) => ids.has(s))) return false;
  if (!rule.actions.includes(action) && !rule.actions.includes('admin')) return false;
  if (res.app !== undefined && !matchesAny(rule.apps, res.app)) return false;
  if (res.environment !== undefined && !matchesAny(rule.environments, res.environment)) return false;
  if (res.stack !== undefined && !matchesAny(rule.stacks, res.stack)) return false;
  return true;
}

export function matchesAny(patterns: string[], value: string): boolean {
  return patterns.some((p) => p === '*' || p === value || (p.endsWith('*') && value.startsWith(p.slice(0, -1))));
}

function denialReason(subject: Subject, action: Action, res: Resource): string {
  const on = [res.app && `app ${res.app}`, res.environment && `environment ${res.environment}`, res.stack && `stack ${res.stack}`]
    .filter(Boolean)
    .join(', ');
  return `${subject} may not ${action}${on ? ` on ${on}` : ''}: no access rule allows it. Ask an admin to add one to opsbot.yaml (access.rules).`;
}
