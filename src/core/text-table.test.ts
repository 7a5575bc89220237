import { describe, expect, it } from 'vitest';
import { textTable } from './text-table.js';

describe('textTable', () => {
  it('pads every column but the last to its widest cell', () => {
    const t = textTable(
      ['id', 'kind', 'target'],
      [
        ['1', 'plan', 'stack main'],
        ['12', 'deploy', 'web@staging'],
      ],
    );
    expect(t).toBe('id  kind    target\n1   plan    stack main\n12  deploy  web@staging');
    const starts = t.split('\n').map((l) => l.indexOf(l.split(/\s{2,}/)[2]!));
    expect(new Set(starts).size).toBe(1);
  });
  it('empty trailing cells leave no trailing spaces', () => {
    expect(textTable(['a', 'note'], [['x', '']])).toBe('a  note\nx');
  });
});
