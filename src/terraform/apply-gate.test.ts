import { describe, expect, it } from 'vitest';
import { config } from '../../test/support/fakes.js';
import { missingRequirements } from './apply-gate.js';
import type { PlanSource } from './plan-source.js';
import type { PullView, StackGitHub } from './stack-github.js';

const PR: PlanSource = { kind: 'pr', number: 4, branch: 'x', fork: false, url: 'https://github.com/o/r/pull/4' };

function gh(pull: Partial<PullView>, reviews: { approvedBy?: string[]; changesRequestedBy?: string[] } = {}): () => StackGitHub {
  const view: PullView = { number: 4, url: PR.kind === 'pr' ? PR.url : '', state: 'open', merged: false, mergeable: true, headRef: 'x', headSha: 'a'.repeat(40), fork: false, author: 'dev', ...pull };
  return () => ({
    repo: 'o/r',
    pull: async () => view,
    reviews: async () => ({ approvedBy: reviews.approvedBy ?? [], changesRequestedBy: reviews.changesRequestedBy ?? [] }),
    upsertComment: async () => ({ id: 1, url: '', updated: false }),
    editComment: async () => false,
    setStatus: async () => undefined,
  });
}

const src = (requirements: string) => {
  const cfg = config(`stacks: { core: { dir: infra, approvers: ["console:alice"], github: { owner: o, repo: r }, applyRequirements: ${requirements} } }`);
  return { name: 'core', stack: cfg.stacks.core!, baseDir: '/srv', stateHome: '/tmp' };
};

describe('apply requirements', () => {
  it.each<[string, Partial<PullView>, { approvedBy?: string[]; changesRequestedBy?: string[] }, string[]]>([
    ['[approved, mergeable]', {}, { approvedBy: ['rev'] }, []],
    ['[approved]', {}, {}, ['approved: pull request #4 has no approving review on GitHub']],
    ['[approved]', {}, { approvedBy: ['a'], changesRequestedBy: ['b'] }, ['approved: b requested changes on pull request #4']],
    ['[mergeable]', { mergeable: false }, {}, ['mergeable: pull request #4 is not mergeable (conflicts or failing requirements)']],
    ['[mergeable]', { mergeable: null }, {}, ['mergeable: GitHub has not worked out yet whether pull request #4 is mergeable (try again in a moment)']],
    ['[approved, mergeable]', { mergeable: false }, {}, ['approved: pull request #4 has no approving review on GitHub', 'mergeable: pull request #4 is not mergeable (conflicts or failing requirements)']],
    ['[]', { mergeable: false }, {}, []],
  ])('%s with %j and reviews %j → %j', async (req, pull, reviews, expected) => {
    expect(await missingRequirements(src(req), PR, gh(pull, reviews))).toEqual(expected);
  });

  it('a plan of the stack branch needs none; a plan of another branch is refused, naming what it needs', async () => {
    expect(await missingRequirements(src('[approved]'), undefined, gh({}))).toEqual([]);
    expect(await missingRequirements(src('[approved, mergeable]'), { kind: 'branch', branch: 'feat' }, gh({}))).toEqual([
      'stack core requires approved and mergeable on a pull request, and this plan is of branch feat (plan it with --pr)',
    ]);
  });
});
