import { badRequest, StatusError } from '@paranoid/k8s/status.ts';
import { parse as parseYaml } from 'yaml';
import { exceedsFields, STORE_LIMITS, tooManyFields } from '../store/memory-store.ts';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
import { type ApiRequest, header } from './types.ts';

const MAX_DEPTH = 100;
const decoder = new TextDecoder();

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(value: string | undefined): string {
  return (value ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Rejects JSON nested deeper than the apiserver would accept before parsing it. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) throw badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
    } else if (c === 125 || c === 93) depth--;
  }
}

/** The same depth limit for values that did not come from JSON text (YAML nests by indentation). */
function checkValueDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_DEPTH) throw badRequest(`yaml: exceeded max depth of ${MAX_DEPTH}`);
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
}

/** Parses JSON text into a value, as a 400 BadRequest Status when it is malformed. */
export function parseJson(text: string): unknown {
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding from json: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Decodes the request body by its Content-Type: JSON, YAML or Kubernetes protobuf. A body
 * with more fields than one object may hold is refused before any of the work a write does,
 * which grows with the number of fields.
 */
export function decodeBody(
  request: ApiRequest,
  allowed: string[] = ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE],
): unknown {
  const value = decodeAnyBody(request, allowed);
  if (exceedsFields(value, STORE_LIMITS.maxObjectFields)) throw tooManyFields(STORE_LIMITS.maxObjectFields);
  return value;
}

function decodeAnyBody(request: ApiRequest, allowed: string[]): unknown {
  const body = request.body ?? new Uint8Array();
  const type = mediaType(header(request, 'content-type')) || 'application/json';
  if (!allowed.includes(type) && !(type === 'application/apply-patch+yaml' && allowed.includes(type))) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${allowed.join(', ')}`,
    );
  }
  if (body.length === 0) throw badRequest('the body of the request is empty');
  if (type === PROTOBUF_CONTENT_TYPE) return decodeKubernetesProtobuf(body);
  const text = decoder.decode(body);
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    checkDepth(text);
    // kubectl sends apply patches as JSON, which is YAML too: parse it the fast way first.
    if (/^\s*[{[]/.test(text)) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // Not JSON after all: YAML below.
      }
    }
    try {
      const value = parseYaml(text, { maxAliasCount: 100 }) as unknown;
      checkValueDepth(value);
      return value;
    } catch (error) {
      throw badRequest(
        `error converting YAML to JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  }
  return parseJson(text);
}

/** Decodes a body that must be an object (a Kubernetes resource). */
export function decodeObject(request: ApiRequest, allowed?: string[]): Record<string, unknown> {
  const value = decodeBody(request, allowed);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest("Object 'Kind' is missing in request body");
  }
  return value as Record<string, unknown>;
}

/** The body's text when it is JSON (the Content-Type says so, or says nothing), for checks `JSON.parse` hides. */
export function rawJsonBody(request: ApiRequest): string | undefined {
  const type = mediaType(header(request, 'content-type')) || 'application/json';
  const json = ['application/json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
  if (!json.includes(type) || !request.body?.length) return undefined;
  return decoder.decode(request.body);
}
