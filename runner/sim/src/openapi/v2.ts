import type { SchemaNode } from './definitions-data.ts';
import { DEFINITIONS } from './schemas.ts';
import { openApiV3Document, openApiV3Index } from './v3.ts';

type Json = Record<string, unknown>;

let cached: Json | undefined;

/**
 * `GET /openapi/v2` as JSON (swagger 2.0): every served path and every definition. kubectl itself only asks for
 * the protobuf form, and only when v3 fails; this is for other clients and for `curl`.
 */
export function openApiV2(): Json {
  cached ??= build();
  return cached;
}

function build(): Json {
  const paths: Json = {};
  for (const gv of Object.keys(openApiV3Index().paths)) {
    const doc = openApiV3Document(gv) as { paths: Record<string, Json> };
    for (const [path, item] of Object.entries(doc.paths)) paths[path] = pathItem(item);
  }
  const definitions: Json = {};
  for (const [name, schema] of Object.entries(DEFINITIONS)) definitions[name] = toV2(schema);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    definitions,
    securityDefinitions: {
      BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' },
    },
    security: [{ BearerToken: [] }],
  };
}

const v2Ref = (ref: unknown): string => String(ref).replace('#/components/schemas/', '#/definitions/');

function parameter(p: Json): Json {
  const { schema, ...rest } = p as { schema?: Json } & Json;
  return { ...rest, ...(schema ?? {}) };
}

function pathItem(item: Json): Json {
  const out: Json = {};
  for (const [method, op] of Object.entries(item)) {
    if (method === 'parameters') {
      out.parameters = (op as Json[]).map(parameter);
      continue;
    }
    const o = op as Json & {
      parameters?: Json[];
      requestBody?: { content: Record<string, { schema: { $ref: string } }> };
    };
    const { requestBody, parameters, responses, ...rest } = o;
    const params = (parameters ?? []).map(parameter);
    const consumes = requestBody ? Object.keys(requestBody.content) : undefined;
    if (requestBody) {
      const first = Object.values(requestBody.content)[0]!;
      params.unshift({ in: 'body', name: 'body', required: true, schema: { $ref: v2Ref(first.schema.$ref) } });
    }
    const v2Responses: Json = {};
    for (const [code, r] of Object.entries((responses ?? {}) as Record<string, Json>)) {
      const content = r.content as Record<string, { schema: { $ref: string } }> | undefined;
      const schema = content ? Object.values(content)[0]?.schema : undefined;
      v2Responses[code] = { description: r.description, ...(schema ? { schema: { $ref: v2Ref(schema.$ref) } } : {}) };
    }
    out[method] = {
      ...rest,
      ...(consumes ? { consumes } : {}),
      produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
      schemes: ['https'],
      ...(params.length ? { parameters: params } : {}),
      responses: v2Responses,
    };
  }
  return out;
}

function toV2(node: SchemaNode): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref') out.$ref = `#/definitions/${v as string}`;
    else if (k === 'items' || k === 'additionalProperties') out[k] = toV2(v as SchemaNode);
    else if (k === 'properties')
      out[k] = Object.fromEntries(Object.entries(v as Record<string, SchemaNode>).map(([p, s]) => [p, toV2(s)]));
    else out[k] = v;
  }
  return out;
}
