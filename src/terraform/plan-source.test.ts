import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { branchProblem } from './plan-source.js';

describe('branch names', () => {
  it.each(['main', 'feature/extra', 'release-1.2', 'user_x/fix.thing', 'a'])('accepts %s, as git does', (name) => {
    expect(branchProblem(name)).toBeUndefined();
    execFileSync('git', ['check-ref-format', '--branch', name]);
  });

  it.each(['', '-x', '--upload-pack=x', '../x', 'a..b', 'a//b', '/a', 'a/', 'a.', '.hidden', 'feature/.hidden', 'x.lock', 'x.lock/y', 'a b', 'a;id', 'a$(id)', 'a@{1}', 'a~1', 'a^', 'a:b', 'a\\\\b', 'x'.repeat(201)])('refuses %j', (name) => {
    expect(branchProblem(name)).toMatch(/is not a branch name/);
  });
});
