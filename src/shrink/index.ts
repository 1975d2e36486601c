/** Shrinking a failing run's fault schedule (delta debugging). */
export { shrinkScenario, shrunkYaml, type ShrinkOptions, type ShrinkResult } from './shrink.ts';
export { ddmin } from './ddmin.ts';
