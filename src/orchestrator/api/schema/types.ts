/**
 * The subset of OpenAPI v3 schema objects the API layer uses. The generated `definitions.json` holds
 * one per type, in the shape the real kube-apiserver serves under `/openapi/v3` (so kubectl can
 * read them unchanged); validation, pruning and strategic merge walk the same objects.
 */
export interface SchemaObject {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  items?: SchemaObject;
  required?: string[];
  $ref?: string;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  default?: unknown;
  enum?: unknown[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  /** `merge`, `retainKeys` or `merge,retainKeys` (strategic merge patch). */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

export type Definitions = Record<string, SchemaObject>;

/** `#/components/schemas/` prefix of every `$ref` in the definitions. */
export const REF_PREFIX = '#/components/schemas/';
