/** hasim's exit codes. Kept apart from common.ts so `hasim --version` loads nothing else. */
export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
