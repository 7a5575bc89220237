import { describe, expect, it } from 'vitest';
import { parseLine } from '../parse.js';
import { FakePlanStore } from '../../../test/support/fakes.js';
import { findPlan, parsePlanRef } from './infra-decision.js';

const spec = { usage: '/infra apply <plan-id> [stack]' };

describe('plan references', () => {
  it('parses <plan-id> [stack], strictly', () => {
    expect(parsePlanRef(spec, { ...parseLine('x abcdefgh core'), positional: ['abcdefgh', 'core'] })).toEqual({ id: 'abcdefgh', stack: 'core' });
    expect(() => parsePlanRef(spec, { ...parseLine('x'), positional: ['ABCDEFGH'] })).toThrow(
      expect.objectContaining({
        userMessage: '"ABCDEFGH" is not a plan id (8 characters a-z and 2-7, as the plan message shows).\nUsage: /infra apply <plan-id> [stack]',
      }),
    );
    expect(() => parsePlanRef(spec, { ...parseLine('x'), positional: ['abcdefgh', 'Core_1'] })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('finds a plan, and refuses one of another stack or one that is gone', async () => {
    const store = new FakePlanStore();
    store.add({ id: 'abcdefgh', stack: 'core' });
    expect(await findPlan({ store }, { id: 'abcdefgh' })).toMatchObject({ id: 'abcdefgh', stack: 'core' });
    await expect(findPlan({ store }, { id: 'abcdefgh', stack: 'edge' })).rejects.toMatchObject({
      code: 'E_PLAN_STACK',
      message: 'Plan abcdefgh belongs to stack core, not edge. Nothing was done.',
    });
    await expect(findPlan({ store }, { id: 'zzzzzzzz' })).rejects.toMatchObject({ code: 'E_UNKNOWN_PLAN' });
  });
});
