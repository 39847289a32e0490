import type { ProviderInfo } from '@paranoid/providers/provider.ts';

/** Whether a scenario runs on the provider this runner uses, and in words why not. */
export type Availability = { available: true } | { available: false; reason: string };

/**
 * What the catalog offers on a provider. The sim and kind make a whole cluster per
 * session, so every scenario runs there, except on kind one that says why it cannot yet
 * (`notOnKind`); the namespace provider gives a learner one
 * namespace of a shared cluster, so only scenarios that declare `runsInNamespace` (and
 * pass `paranoid lint` with it) do.
 */
export function availabilityOn(
  provider: Pick<ProviderInfo, 'name'>,
  scenario: { runsInNamespace?: unknown; notOnKind?: string },
): Availability {
  if (provider.name === 'kind' && scenario.notOnKind !== undefined) {
    return { available: false, reason: `not on kind clusters yet: ${scenario.notOnKind}` };
  }
  if (provider.name !== 'namespace' || scenario.runsInNamespace !== undefined) return { available: true };
  return {
    available: false,
    reason:
      'this lab gives each learner a namespace of a shared cluster, and this scenario needs a cluster of its own (a node or cluster-wide rights)',
  };
}
