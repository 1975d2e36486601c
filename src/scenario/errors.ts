/**
 * A scenario that cannot run. The message names FILE:LINE:COL, the field path
 * (e.g. `faults[2].at`) and what was expected, so the author can fix it without guessing.
 * The CLI maps it to exit code 2 and runs nothing.
 */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${file}:${line}:${col}: ${path || '(top level)'}: ${expected}`);
    this.name = 'ScenarioError';
  }
}
