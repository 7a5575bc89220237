export interface ConfigProblem {
  /** Dotted field path, e.g. `apps.web.environments.prod.path` (empty for the file as a whole). */
  path: string;
  message: string;
}

/**
 * Cross-field checks a schema cannot express: every name used must be defined. They read the
 * file as written (not the validated config), so an undefined group is reported in the same
 * round as schema problems elsewhere in the file, instead of only once those are fixed.
 */
export function checkReferences(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const file = obj(raw);
  const groups = new Set(Object.keys(obj(file.groups)));
  const apps = new Set(Object.keys(obj(file.apps)));
  const stacks = new Set(Object.keys(obj(file.stacks)));
  const people = new Set(Object.keys(obj(file.people)));

  const checkSubject = (s: string, path: string) => {
    if (s.startsWith('group:') && !groups.has(s.slice(6))) {
      problems.push({ path, message: `group "${s.slice(6)}" is not defined under groups (defined: ${[...groups].join(', ') || 'none'})` });
    }
    if (s.startsWith('person:') && !people.has(s.slice(7))) {
      problems.push({ path, message: `person "${s.slice(7)}" is not defined under people (defined: ${[...people].join(', ') || 'none'})` });
    }
  };
  const checkNames = (names: unknown, known: Set<string>, what: string, path: string) => {
    for (const [n, i] of strings(names)) {
      if (!n.includes('*') && !known.has(n))
        problems.push({ path: `${path}.${i}`, message: `${what} "${n}" is not defined (defined: ${[...known].join(', ') || 'none'})` });
    }
  };

  for (const [g, members] of Object.entries(obj(file.groups))) {
    for (const [m, i] of strings(members)) {
      if (m.startsWith('group:')) problems.push({ path: `groups.${g}.${i}`, message: 'groups cannot contain other groups' });
      else checkSubject(m, `groups.${g}.${i}`);
    }
  }
  // One account belongs to one person: otherwise "who approved" would have two answers.
  const owner = new Map<string, string>();
  for (const [person, accounts] of Object.entries(obj(file.people))) {
    for (const [a, i] of strings(accounts)) {
      const other = owner.get(a);
      if (other !== undefined && other !== person)
        problems.push({ path: `people.${person}.${i}`, message: `${a} already belongs to person "${other}": an account is one person's` });
      owner.set(a, person);
    }
  }
  // A group is named where an app is (/deploy <group>): it must not shadow one, and deploys only what exists.
  for (const [g, members] of Object.entries(obj(file.appGroups))) {
    if (apps.has(g))
      problems.push({ path: `appGroups.${g}`, message: `"${g}" is an app's name too: give the group another name, so /deploy ${g} means one thing` });
    checkNames(members, apps, 'app', `appGroups.${g}`);
  }
  list(obj(file.access).rules).forEach((value, r) => {
    const rule = obj(value);
    for (const [s, i] of strings(rule.subjects)) checkSubject(s, `access.rules.${r}.subjects.${i}`);
    // With argocd-image-updater annotations read, an app may be declared on the cluster: check-config warns (policy-lint).
    if (obj(obj(file.argocd).imageUpdater).enabled === false) checkNames(rule.apps, apps, 'app', `access.rules.${r}.apps`);
    checkNames(rule.stacks, stacks, 'stack', `access.rules.${r}.stacks`);
  });
  for (const [name, stack] of Object.entries(obj(file.stacks))) {
    for (const [s, i] of strings(obj(stack).approvers)) checkSubject(s, `stacks.${name}.approvers.${i}`);
  }
  // Route `apps` are opsbot apps or Argo CD Application names/patterns (route-apps.ts): any name is one of the two.
  if (apps.size > 0 && file.gitops === undefined) {
    problems.push({ path: 'gitops', message: 'is required when apps are defined (the repository their manifests live in)' });
  }
  return problems;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The string items of a list, with their index (others are the schema's to report). */
function strings(v: unknown): [string, number][] {
  return list(v).flatMap((x, i): [string, number][] => (typeof x === 'string' ? [[x, i]] : []));
}
