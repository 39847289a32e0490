/** The network engine's names for the shared label-selector semantics (../label-selector.ts). */
export {
  formatLabelSelector as formatSelector,
  matchesLabelSelector as matchesSelector,
} from '@paranoid/k8s/label-selector.ts';
