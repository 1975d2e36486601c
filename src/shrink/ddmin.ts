/**
 * Zeller's delta debugging (ddmin): the smallest subset of `items` (1-minimal: removing any
 * one more item makes the test pass) for which `fails` still holds. `fails(items)` must hold
 * on entry. Bounded by `maxTests` calls; when the budget runs out the best subset so far is
 * returned (still failing, maybe not minimal).
 */
export function ddmin<T>(items: readonly T[], fails: (subset: readonly T[]) => boolean, maxTests: number): { result: T[]; tests: number; minimal: boolean } {
  let current = [...items];
  let n = 2;
  let tests = 0;
  const test = (s: readonly T[]) => {
    tests++;
    return fails(s);
  };
  while (current.length >= 2) {
    const chunk = Math.ceil(current.length / n);
    const subsets: T[][] = [];
    for (let i = 0; i < current.length; i += chunk) subsets.push(current.slice(i, i + chunk));
    let reduced = false;
    // Try each subset alone, then each complement.
    for (const s of subsets) {
      if (tests >= maxTests) return { result: current, tests, minimal: false };
      if (test(s)) {
        current = s;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && subsets.length > 2) {
      for (let i = 0; i < subsets.length; i++) {
        if (tests >= maxTests) return { result: current, tests, minimal: false };
        const complement = subsets.filter((_, j) => j !== i).flat();
        if (test(complement)) {
          current = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  // A single remaining item: maybe no fault at all still fails.
  if (current.length === 1 && tests < maxTests && test([])) current = [];
  return { result: current, tests, minimal: tests < maxTests };
}
