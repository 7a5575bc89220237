import type { Action, Config, Rule } from './config/schema.js';
import { ownEntry } from './config/own-entry.js';

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
 * What an action is about, so a rule scoped to one kind of resource grants nothing on another:
 * `app` (apps, environments), `stack`, or `none` (the action has no resource: /jobs, cancelling
 * someone's job, /audit, /diagnose). `admin` is both: /infra unlock names a stack.
 */
export const ACTION_RESOURCES: Record<Action, readonly ('app' | 'stack' | 'none')[]> = {
  deploy: ['app'],
  rollback: ['app'],
  config: ['app'],
  status: ['app'],
  history: ['app'],
  'infra.plan': ['stack'],
  'infra.approve': ['stack'],
  jobs: ['none'],
  cancel: ['none'],
  admin: ['none', 'stack'],
};

/** More names a subject answers to, from outside the config (e.g. Slack user-group membership). */
export type IdentitySource = (subject: Subject) => string[];

/**
 * Access rules: subjects (accounts, `group:`s, `person:`s) × actions × resources (app,
 * environment, stack patterns). A rule grants exactly what it names: its actions (`*` for all;
 * `admin` is administration, not everything), on the resources it names. A rule that names no
 * apps, environments or stacks covers everything; one that names some covers only those — not
 * the other kind of resource, and not actions without a resource. Pure: no I/O, so every
 * decision is table-testable.
 */
export class Policy {
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly personOfAccount = new Map<string, string>();
  private readonly sources: IdentitySource[] = [];

  constructor(private readonly config: Pick<Config, 'groups' | 'access' | 'stacks'> & Partial<Pick<Config, 'people'>>) {
    for (const [group, members] of Object.entries(config.groups)) {
      for (const m of members) {
        const set = this.groupsOf.get(m) ?? new Set<string>();
        set.add(group);
        this.groupsOf.set(m, set);
      }
    }
    for (const [person, accounts] of Object.entries(config.people ?? {})) {
      for (const a of accounts) this.personOfAccount.set(a, `person:${person}`);
    }
  }

  /**
   * The person an account belongs to: `person:<name>` when `people` lists it, else the account
   * itself (an unlisted account is a person of its own).
   */
  personOf(subject: string): string {
    return this.personOfAccount.get(subject) ?? subject;
  }

  samePerson(a: string, b: string): boolean {
    return this.personOf(a) === this.personOf(b);
  }

  /** Account → person, for decisions taken where the policy is not (Redis scripts). */
  people(): Record<string, string> {
    return Object.fromEntries(this.personOfAccount);
  }

  /** Every name the subject answers to: itself, its person, its platform wildcard, its groups (and its person's), `*`. */
  identities(subject: Subject): Set<string> {
    const platform = subject.slice(0, subject.indexOf(':'));
    const person = this.personOfAccount.get(subject);
    const ids = new Set<string>([subject, `${platform}:*`, '*']);
    if (person) ids.add(person);
    for (const id of [subject, `${platform}:*`, ...(person ? [person] : [])]) {
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
    if (this.public(action)) return { allowed: true };
    // An action that is always about an app or a stack, asked without one, is the coarse check
    // made before the resource is known (/infra apply, before the plan names its stack): "on any?"
    // The precise check follows once the resource is known.
    const coarse =
      resource.app === undefined && resource.environment === undefined && resource.stack === undefined && !ACTION_RESOURCES[action].includes('none');
    if (coarse) return this.mayEver(subject, action) ? { allowed: true } : { allowed: false, reason: denialReason(subject, action, resource) };
    const ids = this.identities(subject);
    const rule = this.config.access.rules.find((r) => r.subjects.some((s) => ids.has(s)) && grants(r, action) && covers(r, resource));
    if (rule) return { allowed: true };
    return { allowed: false, reason: denialReason(subject, action, resource) };
  }

  /** Is there any resource on which the subject may do this? (/help lists what this user may run) */
  mayEver(subject: Subject, action: Action): boolean {
    if (this.public(action)) return true;
    const ids = this.identities(subject);
    return this.config.access.rules.some(
      (r) => r.subjects.some((s) => ids.has(s)) && grants(r, action) && ACTION_RESOURCES[action].some((kind) => coversKind(r, kind)),
    );
  }

  /**
   * May this subject approve a plan of this stack? Only the stack's approvers (every stack names
   * them), and only with `infra.approve` on the stack. Four-eyes rules live in the plan store.
   */
  canApprove(subject: Subject, stack: string): Decision {
    const approvers = ownEntry(this.config.stacks, stack)?.approvers ?? [];
    const ids = this.identities(subject);
    if (!approvers.some((a) => ids.has(a))) {
      return { allowed: false, reason: `you are not an approver of stack ${stack} (approvers: ${approvers.join(', ') || 'none'})` };
    }
    return this.can(subject, 'infra.approve', { stack });
  }

  private public(action: Action): boolean {
    return READ_ONLY.has(action) && this.config.access.everyone.includes(action as 'status' | 'history' | 'jobs');
  }
}

/** Does the rule list the action? `*` lists every action; `admin` includes cancelling anyone's job. */
export function grants(rule: Pick<Rule, 'actions'>, action: Action): boolean {
  return rule.actions.includes('*') || rule.actions.includes(action) || (action === 'cancel' && rule.actions.includes('admin'));
}

export function isScoped(rule: Pick<Rule, 'apps' | 'environments' | 'stacks'>): boolean {
  return rule.apps !== undefined || rule.environments !== undefined || rule.stacks !== undefined;
}

/** Can the rule cover some resource of this kind at all? */
export function coversKind(rule: Pick<Rule, 'apps' | 'environments' | 'stacks'>, kind: 'app' | 'stack' | 'none'): boolean {
  if (!isScoped(rule)) return true;
  if (kind === 'app') return rule.apps !== undefined || rule.environments !== undefined;
  if (kind === 'stack') return rule.stacks !== undefined;
  return false;
}

function covers(rule: Rule, res: Resource): boolean {
  if (!isScoped(rule)) return true;
  const isApp = res.app !== undefined || res.environment !== undefined;
  if (!isApp && res.stack === undefined) return false;
  if (isApp) {
    if (!coversKind(rule, 'app')) return false;
    if (res.app !== undefined && rule.apps && !matchesAny(rule.apps, res.app)) return false;
    if (res.environment !== undefined && rule.environments && !matchesAny(rule.environments, res.environment)) return false;
  }
  if (res.stack !== undefined && !(rule.stacks && matchesAny(rule.stacks, res.stack))) return false;
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
