import { z } from 'zod';

/** Every machine-readable error code the runner answers with; the site switches on these, never on texts. */
export const ApiErrorCode = z.enum([
  'BadRequest',
  'InvalidYaml',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'ScenarioUnavailable',
  'SessionExpired',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'AdmissionDenied',
  'ClusterError',
  'ClusterUnavailable',
  'TerminalUnavailable',
  'TooManySessions',
  'Draining',
  'TooManyAttempts',
  'WorkshopFull',
  'WorkshopClosed',
  'TooManyRequests',
  'Internal',
]);
/** A machine-readable error code of the runner. */
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** Where in a YAML document a parse error sits; 1-based like an editor's gutter. */
export const YamlPosition = z.object({ line: z.number().int(), column: z.number().int() });
/** Where in a YAML document a parse error sits. */
export type YamlPosition = z.infer<typeof YamlPosition>;

/** The body of every error answer: a code to switch on and a message written for the learner. */
export const ApiErrorBody = z.object({
  error: z.object({
    code: ApiErrorCode,
    message: z.string(),
    /** Set for `InvalidYaml`. */
    position: YamlPosition.optional(),
    /** The Kubernetes `Status` the cluster answered with, when there was one. */
    status: z.unknown().optional(),
  }),
});
/** The body of every error answer. */
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
