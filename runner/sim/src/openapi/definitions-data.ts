/**
 * The shape of the generated OpenAPI data (`data/definitions.ts`): swagger 2.0 schemas keyed by definition
 * name (`io.k8s.api.core.v1.Pod`), with `$ref` holding a bare definition name.
 */
export interface SchemaNode {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  $ref?: string;
  items?: SchemaNode;
  additionalProperties?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  /** Allowed values of a string enum (kubectl explain prints them). */
  enum?: string[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  [extension: `x-${string}`]: unknown;
}

/** The group, version and kind a definition describes (`x-kubernetes-group-version-kind`). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The generated OpenAPI data as a whole: definitions and where they came from. */
export interface DefinitionsData {
  /** Where the data came from: npm packages and versions, and the generator. */
  source: { kubernetes: string; packages: string[]; generator: string };
  definitions: Record<string, SchemaNode>;
}
