/**
 * ci-gate-bypass's near misses fail for the reason they name. `paranoid validate` proves each bad
 * variant fails *some* MUST check; here each must fail exactly the checks its README describes,
 * graded through the API as the lab grades, each change on its own fresh simulated cluster with
 * the setup applied as the learner's editor applies it. What the pipeline attached to the
 * grader's own images is cleared by the checks themselves.
 */
import { describe } from 'vitest';
import { eachChangeFailsExactly } from '../support/near-misses.ts';

const GATE = ['gate-blocks-critical', 'gate-blocks-high'];
const ADMISSION = [
  'admission-denies-vulnerable-release',
  'admission-denies-developer-attestation',
  'admission-denies-unscanned-image',
  'admission-denies-unscanned-deployment',
];
const RUNNING = ['no-workload-runs-a-vulnerable-image', 'checkout-runs-a-scanned-release'];

describe('ci-gate-bypass: every change fails exactly the checks it should', () => {
  eachChangeFailsExactly({
    scenario: 'ci-gate-bypass',
    timeoutMs: 300_000,
    failing: {
      // With no admission at all a clean image is released and admitted, and checkout serves.
      setup: [...GATE, ...ADMISSION, ...RUNNING],
      solution: [],
      'good-ignore-unfixed': [],
      'good-explicit-exit': [],
      'good-key-from-secret': [],
      'bad-critical-still-dropped': ['gate-blocks-critical'],
      'bad-critical-only': ['gate-blocks-high'],
      'bad-continue-on-error': GATE,
      'bad-no-errexit': GATE,
      'bad-signature-only': ['admission-denies-vulnerable-release', ...RUNNING],
      'bad-developer-key-too': ['admission-denies-developer-attestation'],
      'bad-digest-allowlist': ['gate-releases-clean-image'],
      'bad-pipeline-unchanged': ['gate-releases-clean-image'],
      'bad-vulnerable-still-running': RUNNING,
      'bad-warn-mode': [...GATE, ...ADMISSION],
    },
  });
});
