import type { Config } from './schema.js';
import type { ConfigProblem } from './load.js';

/** Cross-field checks a schema cannot express: every name used must be defined. */
export function checkReferences(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const groups = new Set(Object.keys(config.groups));
  const apps = new Set(Object.keys(config.apps));
  const stacks = new Set(Object.keys(config.stacks));
  const people = new Set(Object.keys(config.people));

  const checkSubject = (s: string, path: string) => {
    if (s.startsWith('group:') && !groups.has(s.slice(6))) {
      problems.push({ path, message: `group "${s.slice(6)}" is not defined under groups (defined: ${[...groups].join(', ') || 'none'})` });
    }
    if (s.startsWith('person:') && !people.has(s.slice(7))) {
      problems.push({ path, message: `person "${s.slice(7)}" is not defined under people (defined: ${[...people].join(', ') || 'none'})` });
    }
  };
  const checkNames = (names: string[], known: Set<string>, what: string, path: string) => {
    names.forEach((n, i) => {
      if (!n.includes('*') && !known.has(n)) {
        problems.push({ path: `${path}.${i}`, message: `${what} "${n}" is not defined (defined: ${[...known].join(', ') || 'none'})` });
      }
    });
  };

  for (const [g, members] of Object.entries(config.groups)) {
    members.forEach((m, i) => {
      if (m.startsWith('group:')) problems.push({ path: `groups.${g}.${i}`, message: 'groups cannot contain other groups' });
      else checkSubject(m, `groups.${g}.${i}`);
    });
  }
  // One account belongs to one person: otherwise "who approved" would have two answers.
  const owner = new Map<string, string>();
  for (const [person, accounts] of Object.entries(config.people)) {
    accounts.forEach((a, i) => {
      const other = owner.get(a);
      if (other !== undefined && other !== person) problems.push({ path: `people.${person}.${i}`, message: `${a} already belongs to person "${other}": an account is one person's` });
      owner.set(a, person);
    });
  }
  config.access.rules.forEach((rule, r) => {
    rule.subjects.forEach((s, i) => checkSubject(s, `access.rules.${r}.subjects.${i}`));
    checkNames(rule.apps ?? [], apps, 'app', `access.rules.${r}.apps`);
    checkNames(rule.stacks ?? [], stacks, 'stack', `access.rules.${r}.stacks`);
  });
  for (const [name, stack] of Object.entries(config.stacks)) {
    stack.approvers.forEach((s, i) => checkSubject(s, `stacks.${name}.approvers.${i}`));
  }
  config.notifications.routes.forEach((route, r) => checkNames(route.apps, apps, 'app', `notifications.routes.${r}.apps`));
  if (Object.keys(config.apps).length > 0 && !config.gitops) {
    problems.push({ path: 'gitops', message: 'is required when apps are defined (the repository their manifests live in)' });
  }
  return problems;
}
