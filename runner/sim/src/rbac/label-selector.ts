/** Aggregation rules and admission policies match with the shared label-selector semantics (../label-selector.ts). */
export { matchesLabelSelector as selectorMatches } from '@paranoid/k8s/label-selector.ts';
