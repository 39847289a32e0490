import { type CloudChange, CloudChangeSchema } from '@paranoid/schema/scenario.ts';
import { LineCounter, parseAllDocuments } from 'yaml';

/** A Kubernetes object as the learner wrote it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** At most this many cloud changes in one editor text: a `cloud.yaml` names a handful. */
export const MAX_CLOUD_CHANGES = 16;

/** What the editor's text asks for: Kubernetes objects, and changes to the nodes' cloud instances. */
export interface EditorChanges {
  objects: Manifest[];
  /** Entries of a `cloud.yaml` (a reference solution's, pasted as it is shown). */
  cloud: CloudChange[];
}

/**
 * Parses the editor's text into objects, or throws with the line and
 * column of the first problem (`ManifestError`), so that nothing is applied from a half-read file.
 */
export function parseManifests(text: string): Manifest[] {
  return parseDocuments(text, false).objects;
}

/**
 * The editor's text as {@link parseManifests} reads it, and besides its objects the documents
 * that are a `cloud.yaml`: a list of `{ nodeSelector?, httpTokens?, httpPutResponseHopLimit? }`,
 * as the scenario schema defines it (a reference solution shows its cloud change in that form,
 * and the learner pastes it as shown). Any bad entry, or more than {@link MAX_CLOUD_CHANGES},
 * throws a `ManifestError` and nothing is applied.
 */
export function parseEditorText(text: string): EditorChanges {
  return parseDocuments(text, true);
}

function parseDocuments(text: string, allowCloud: boolean): EditorChanges {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) throw invalid('the text is not YAML', { line: 1, column: 1 });
  const objects: Manifest[] = [];
  const cloud: CloudChange[] = [];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw invalid(`YAML does not parse: ${error.message.split('\n')[0]}`, { line: pos.line, column: pos.col });
    }
    const start = lineCounter.linePos(doc.range[0]);
    const where = { line: start.line, column: start.col };
    let value: unknown;
    try {
      // yaml refuses more than 100 alias expansions (a "billion laughs" bomb) with a ReferenceError.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw invalid(`YAML does not parse: ${error instanceof Error ? error.message : String(error)}`, where);
    }
    if (value === null || value === undefined) continue;
    if (allowCloud && Array.isArray(value)) {
      cloud.push(...cloudChanges(value, where));
      if (cloud.length > MAX_CLOUD_CHANGES) {
        throw invalid(`at most ${MAX_CLOUD_CHANGES} cloud changes can be applied at once`, where);
      }
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalid('each YAML document must be a Kubernetes object (a mapping), not a list or a scalar', where);
    }
    const object = value as Record<string, unknown>;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      objects.push(...(object.items as unknown[]).map((item) => checkObject(item, where)));
    } else {
      objects.push(checkObject(object, where));
    }
  }
  if (objects.length === 0 && cloud.length === 0)
    throw invalid('there is nothing to apply: the editor holds no object', { line: 1, column: 1 });
  return { objects, cloud };
}

/** A list document as a `cloud.yaml`'s entries, each checked by the scenario schema's own rule. */
function cloudChanges(list: unknown[], where: { line: number; column: number }): CloudChange[] {
  if (list.length > MAX_CLOUD_CHANGES) {
    throw invalid(`at most ${MAX_CLOUD_CHANGES} cloud changes can be applied at once`, where);
  }
  const isDeletion = (entry: unknown) =>
    typeof entry === 'object' && entry !== null && typeof (entry as { kind?: unknown }).kind === 'string';
  if (list.length > 0 && list.every(isDeletion)) {
    // A solution's delete.yaml, pasted as shown: say where deleting happens rather than misread it as a cloud change.
    throw invalid(
      "a list of objects to delete, as in a solution's delete.yaml, is not applied in the editor: delete each in the terminal (`kubectl delete -n NAMESPACE KIND NAME`)",
      where,
    );
  }
  return list.map((entry, i) => {
    const parsed = CloudChangeSchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    throw invalid(
      `a list is a cloud change, as in a solution's cloud.yaml (nodeSelector, httpTokens, httpPutResponseHopLimit), and its item ${i + 1} is not one${field}: ${issue?.message ?? 'invalid'}`,
      where,
    );
  });
}

function checkObject(value: unknown, where: { line: number; column: number }): Manifest {
  const object = value as Partial<Manifest> | null;
  const missing = [
    typeof object?.apiVersion === 'string' ? null : 'apiVersion',
    typeof object?.kind === 'string' ? null : 'kind',
    typeof object?.metadata?.name === 'string' ? null : 'metadata.name',
  ].filter((x): x is string => x !== null);
  if (missing.length > 0) {
    const name = typeof object?.kind === 'string' ? `this ${object.kind}` : 'this object';
    throw invalid(`${name} has no ${missing.join(', ')}`, where);
  }
  return object as Manifest;
}

/** Editor text that is not a list of Kubernetes objects; nothing of it was applied. */
export class ManifestError extends Error {
  constructor(
    message: string,
    /** 1-based, like an editor's gutter. */
    readonly position: { line: number; column: number },
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

function invalid(message: string, position: { line: number; column: number }): ManifestError {
  return new ManifestError(message, position);
}
