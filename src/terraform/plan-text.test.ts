import { describe, expect, it } from 'vitest';
import { capPlanText, hideOutputValues } from './plan-text.js';

/** `tofu show -no-color` of a plan with outputs of every shape (OpenTofu 1.12.6). */
const PLAN = `Plan: 2 to add, 0 to change, 0 to destroy.

Changes to Outputs:
  + list = [
      + "a",
      + "b",
    ]
  + map  = {
      + x = 1
      + y = "two"
    }
  + ml   = <<-EOT
        line1
        line2
    EOT
  ~ s    = "old" -> "plain"
  - gone = "x" -> null
  + sec  = (sensitive value)

─────────────────────────────────────────────────────────────────────────────
`;

describe('hideOutputValues', () => {
  it('keeps every output name and action, drops every value', () => {
    const out = hideOutputValues(PLAN, 'off');
    expect(out).toContain('Changes to Outputs:\n  + list = (value not shown: off)\n  + map = (value not shown: off)\n  + ml = (value not shown: off)\n  ~ s = (value not shown: off)\n  - gone = (value not shown: off)\n  + sec = (value not shown: off)\n\n');
    for (const value of ['"a"', 'two', 'line1', 'plain', '"x"']) expect(out).not.toContain(value);
    expect(out.startsWith('Plan: 2 to add')).toBe(true);
    expect(out).toContain('─────');
  });
  it('leaves a plan without outputs as it is', () => {
    expect(hideOutputValues('Plan: 1 to add.\n', 'off')).toBe('Plan: 1 to add.\n');
  });
});

describe('capPlanText', () => {
  it('cuts at a line end at the limit and says so', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const out = capPlanText(text, 1000);
    expect(out.length).toBeLessThan(1000 + 200);
    expect(out).toMatch(/line \d+\n\n… plan text cut here: \d{3} of 8,889 characters are shown \(opsbot posts and stores at most 1,000\)\.\n$/);
  });
  it('leaves a short text alone', () => {
    expect(capPlanText('short', 1000)).toBe('short');
  });
});
