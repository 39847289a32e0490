/** Entry point for callers that want both: the loader and the linter. */

export { type LintReport, lintAll, lintScenario } from './lint.ts';
export {
  type ChangeSet,
  type LoadedScenario,
  type LoadResult,
  loadScenario,
  scenarioDirs,
  type Variant,
} from './load.ts';
