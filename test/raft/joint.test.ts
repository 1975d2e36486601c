/**
 * Joint consensus at the message level (joint-rules.ts), and proof that the checks can fail: each
 * rule with its test-only mutation on must fail its own expectations.
 */
import { describe, expect, it } from 'vitest';
import { JOINT_RULES } from './joint-rules.ts';
import { failureWithMutation } from './paper-rules.ts';

describe('joint consensus rules, one step-level test each', () => {
  for (const rule of JOINT_RULES) it(rule.title, () => rule.run([]));
});

describe('the joint-consensus tests fail when the rule they name is broken (test-only mutations)', () => {
  for (const rule of JOINT_RULES.filter((r) => r.mutation !== undefined)) {
    it(`${rule.mutation} breaks: ${rule.title}`, () => {
      const failure = failureWithMutation(rule);
      expect(failure, 'the test passed with its rule broken').toBeDefined();
      expect((failure as Error).name, String(failure)).toBe('AssertionError');
    });
  }
});
