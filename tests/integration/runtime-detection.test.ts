/**
 * runtime-detection's near misses fail for the reason they name. `paranoid validate` proves
 * each bad variant fails *some* MUST check; here each must fail exactly the checks its README
 * describes, graded through the API as the lab grades, each change on its own fresh simulated
 * cluster with the setup applied as the learner's editor applies it, and Falco's own alerts
 * deciding.
 */
import { describe } from 'vitest';
import { eachChangeFailsExactly } from '../support/near-misses.ts';

const ALERT_CHECKS = [
  'shell-exec-alerts',
  'shell-exec-alerts-any-namespace',
  'shadow-read-pages',
  'dropped-binary-pages',
  'quiet-on-normal-work',
];

describe('runtime-detection: every change fails exactly the checks it should', () => {
  eachChangeFailsExactly({
    scenario: 'runtime-detection',
    timeoutMs: 300_000,
    failing: {
      setup: ALERT_CHECKS.filter((c) => c !== 'quiet-on-normal-work'),
      solution: [],
      'good-own-rules': [],
      'good-exceptions-and-error': [],
      'good-fixed-custom-rule': [],
      'bad-terminal-only': ['shell-exec-alerts', 'shell-exec-alerts-any-namespace'],
      'bad-open-not-openat': ['shadow-read-pages'],
      'bad-stock-priority': ['shadow-read-pages'],
      'bad-every-shell': ['quiet-on-normal-work'],
      'bad-scoped-to-shop': ['shell-exec-alerts-any-namespace'],
      'bad-all-of-etc': ['quiet-on-normal-work'],
      'bad-fake-agent': ALERT_CHECKS,
      'bad-min-priority-error': ['shell-exec-alerts', 'shell-exec-alerts-any-namespace'],
    },
  });
});
