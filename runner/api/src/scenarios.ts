import { z } from 'zod';
import { ScenarioFile } from './sessions.ts';

/** One scenario as the catalog shows it (`GET /api/scenarios`). */
export const ScenarioSummary = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  /** The real incident the scenario is drawn from. */
  incident: z.object({
    title: z.string(),
    summary: z.string(),
    year: z.number().int().optional(),
    sources: z.array(z.object({ title: z.string(), url: z.string() })),
  }),
  difficulty: z.enum(['beginner', 'intermediate', 'advanced']),
  minutes: z.number(),
  /** CKS domains, e.g. `Minimize Microservice Vulnerabilities`. */
  cks: z.array(z.string()),
  tags: z.array(z.string()),
  /** Set when the scenario can run in one namespace of a shared cluster (the namespace provider). */
  runsInNamespace: z.object({ namespace: z.string(), podSecurity: z.enum(['restricted', 'baseline']) }).optional(),
  /** Why the scenario does not run on kind clusters yet. */
  notOnKind: z.string().optional(),
});
/** One scenario as the catalog shows it. */
export type ScenarioSummary = z.infer<typeof ScenarioSummary>;

/** Whether this runner's provider can run a scenario, and in words why not. */
export const Availability = z.object({ available: z.boolean(), unavailableReason: z.string().optional() });

/** `GET /api/scenarios`: every scenario, and whether the provider in use offers it. */
export const ScenariosResponse = z.object({
  /** The provider this runner makes clusters with (`sim`, `kind`, `namespace`). */
  provider: z.string(),
  scenarios: z.array(ScenarioSummary.extend(Availability.shape)),
});
/** `GET /api/scenarios`. */
export type ScenariosResponse = z.infer<typeof ScenariosResponse>;

/**
 * `GET /api/scenarios/:id`: the scenario without its solution and hints, which stay on the
 * runner until the learner asks (and the asking is recorded); only how many hints there are.
 */
export const ScenarioDetailResponse = ScenarioSummary.extend(Availability.shape).extend({
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      /** The step's Markdown as the author wrote it. */
      markdown: z.string(),
      kind: z.enum(['explore', 'attack', 'fix', 'verify']),
      /** Ids of the checks that belong to this step. */
      checks: z.array(z.string()),
      hintCount: z.number().int(),
    }),
  ),
  checks: z.array(
    z.object({ id: z.string(), title: z.string(), level: z.enum(['MUST', 'SHOULD']), hintCount: z.number().int() }),
  ),
  /** The manifests the editor opens: the setup the learner is to fix. */
  manifests: z.array(ScenarioFile),
});
/** `GET /api/scenarios/:id`. */
export type ScenarioDetailResponse = z.infer<typeof ScenarioDetailResponse>;
