import { z } from 'zod';
import { ApiErrorCode } from './errors.ts';
import { ScenarioProgress } from './progress.ts';

/** What the API tells about a session; its token comes only once, with its creation. */
export const SessionView = z.object({
  id: z.string(),
  scenarioId: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** Seconds left, from the runner's clock, so a skewed browser clock cannot mislead the countdown. */
  secondsLeft: z.number(),
  /** The most seconds left that extending can reach: no session outlives createdAt + its longest life. */
  maxSecondsLeft: z.number(),
  /** What one Extend adds, in seconds. */
  extendSeconds: z.number(),
  /** The longest life of a session, in seconds from its start, however often it is extended. */
  maxLifeSeconds: z.number(),
  /** Whether the session has a terminal, whether it is sandboxed, and why not when it has none. */
  terminal: z.object({ available: z.boolean(), sandboxed: z.boolean(), reason: z.string().optional() }),
});
/** What the API tells about a session. */
export type SessionView = z.infer<typeof SessionView>;

/** A cluster still being made for this learner (kind takes 15-60 s cold), for the site's progress bar. */
export const StartingView = z.object({
  scenarioId: z.string(),
  /** Short name of the step, e.g. `creating nodes`, `applying setup`. */
  step: z.string(),
  /** 0..1 for the whole creation. */
  fraction: z.number(),
  startedAt: z.number(),
});
/** A cluster still being made for this learner. */
export type StartingView = z.infer<typeof StartingView>;

/** `GET /api/sessions/starting`. */
export const StartingResponse = z.object({ starting: z.array(StartingView) });
/** `GET /api/sessions/starting`. */
export type StartingResponse = z.infer<typeof StartingResponse>;

/** `POST /api/sessions`: the scenario to play. */
export const StartSessionRequest = z.object({
  scenarioId: z.string({ error: 'scenarioId is required' }).max(100, 'scenarioId is at most 100 characters'),
});
/** `POST /api/sessions`. */
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/** `POST /api/sessions`: the new session and the bearer token every later call on it carries. */
export const CreatedSessionResponse = z.object({ session: SessionView, token: z.string() });
/** `POST /api/sessions`. */
export type CreatedSessionResponse = z.infer<typeof CreatedSessionResponse>;

/** `GET /api/sessions/:id`, and its reset and extend. */
export const SessionResponse = z.object({ session: SessionView });
/** `GET /api/sessions/:id`, and its reset and extend. */
export type SessionResponse = z.infer<typeof SessionResponse>;

/** One check as graded just now on the learner's cluster. */
export const CheckResult = z.object({
  id: z.string(),
  title: z.string(),
  passed: z.boolean(),
  /** What the check looked at and, when it failed, why, in words a learner can act on. */
  message: z.string(),
  /** How many hints the check has, revealed one by one through `POST .../hint`. */
  hintCount: z.number().int(),
});
/** One check as graded just now. */
export type CheckResult = z.infer<typeof CheckResult>;

/** `POST /api/sessions/:id/check`: every check, whether all pass, and the progress recorded. */
export const CheckResponse = z.object({
  checks: z.array(CheckResult),
  passed: z.boolean(),
  progress: ScenarioProgress,
});
/** `POST /api/sessions/:id/check`. */
export type CheckResponse = z.infer<typeof CheckResponse>;

/** `POST /api/sessions/:id/hint`: the next hint of a check or of a step (`index` from 0). */
export const HintRequest = z.union([
  z.object({ checkId: z.string().max(100), index: z.number().int().min(0).max(100).default(0) }),
  z.object({ stepId: z.string().max(100), index: z.number().int().min(0).max(100).default(0) }),
]);
/** `POST /api/sessions/:id/hint`. */
export type HintRequest = z.input<typeof HintRequest>;

/** `POST /api/sessions/:id/hint`: the hint and the progress that now records it. */
export const HintResponse = z.object({ hint: z.string(), index: z.number().int(), progress: ScenarioProgress });
/** `POST /api/sessions/:id/hint`. */
export type HintResponse = z.infer<typeof HintResponse>;

/** `POST /api/sessions/:id/solution`: revealing is recorded, so the learner confirms it. */
export const SolutionRequest = z.object({
  confirm: z.literal(true, { error: 'revealing the solution needs {"confirm": true}' }),
});
/** `POST /api/sessions/:id/solution`. */
export type SolutionRequest = z.infer<typeof SolutionRequest>;

/** A file of a scenario folder. */
export const ScenarioFile = z.object({
  /** Relative to the scenario folder, e.g. `setup/deployment.yaml`. */
  path: z.string(),
  content: z.string(),
});
/** A file of a scenario folder. */
export type ScenarioFile = z.infer<typeof ScenarioFile>;

/** `POST /api/sessions/:id/solution`: the reference fix and the progress that now records it. */
export const SolutionResponse = z.object({ files: z.array(ScenarioFile), progress: ScenarioProgress });
/** `POST /api/sessions/:id/solution`. */
export type SolutionResponse = z.infer<typeof SolutionResponse>;

/** `POST /api/sessions/:id/apply`: YAML documents from the editor, applied as the learner. */
export const ApplyRequest = z.object({ yaml: z.string({ error: 'yaml is required' }) });
/** `POST /api/sessions/:id/apply`. */
export type ApplyRequest = z.infer<typeof ApplyRequest>;

/** What became of one applied object: created or configured, or the cluster's refusal. */
export const ApplyResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    action: z.enum(['created', 'configured']),
  }),
  z.object({
    ok: z.literal(false),
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    code: ApiErrorCode,
    message: z.string(),
    /** The Kubernetes `Status` the cluster answered with. */
    status: z.unknown().optional(),
  }),
]);
/** What became of one applied object. */
export type ApplyResult = z.infer<typeof ApplyResult>;

/** `POST /api/sessions/:id/apply`: one result per document, in order. */
export const ApplyResponse = z.object({ results: z.array(ApplyResult) });
/** `POST /api/sessions/:id/apply`. */
export type ApplyResponse = z.infer<typeof ApplyResponse>;

/** An object of the learner's cluster the editor can open. */
export const ObjectRef = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
});
/** An object of the learner's cluster the editor can open. */
export type ObjectRef = z.infer<typeof ObjectRef>;

/** `GET /api/sessions/:id/objects`: the editable objects outside the system namespaces. */
export const ObjectsResponse = z.object({ objects: z.array(ObjectRef) });
/** `GET /api/sessions/:id/objects`. */
export type ObjectsResponse = z.infer<typeof ObjectsResponse>;

/** `GET /api/sessions/:id/object?apiVersion&kind&name[&namespace]`: the object as YAML, as the editor opens it. */
export const ObjectYamlResponse = z.object({ yaml: z.string() });
/** `GET /api/sessions/:id/object`. */
export type ObjectYamlResponse = z.infer<typeof ObjectYamlResponse>;
