import type { ResourceType } from '../resources.js';
import raw from './definitions.json';
import { addressGroupDefinitions } from './addressGroupSchema.js';
import { hostDefinitions } from './hostSchema.js';
import { REF_PREFIX, type Definitions, type SchemaObject } from './types.js';

export type { Definitions, SchemaObject } from './types.js';
export { REF_PREFIX } from './types.js';

/**
 * Every type reachable from the kinds Skiff serves, keyed by OpenAPI name (`io.k8s.api.core.v1.Pod`):
 * the upstream ones generated into definitions.json, and Skiff's own from hostSchema.ts and
 * addressGroupSchema.ts (kept in code, so there is one place to change them).
 */
export const definitions: Definitions = { ...(raw as unknown as Definitions), ...hostDefinitions(), ...addressGroupDefinitions() };

const byGvk = new Map<string, string>();
for (const [name, s] of Object.entries(definitions)) {
  for (const g of s['x-kubernetes-group-version-kind'] ?? []) byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
}

/** The definition name of a kind (`io.k8s.api.apps.v1.Deployment`), or undefined for one without a schema. */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  return byGvk.get(`${group}/${version}/${kind}`);
}

/** The top-level schema of a served resource. */
export function schemaFor(r: Pick<ResourceType, 'group' | 'version' | 'kind'>): SchemaObject | undefined {
  const n = definitionName(r.group, r.version, r.kind);
  return n ? definitions[n] : undefined;
}

/** The definition name a property schema points at (`$ref` or a one-element `allOf`), if any. */
export function refName(s: SchemaObject): string | undefined {
  const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
  return ref?.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}

/**
 * Follows a property schema to the schema of its type. Patch metadata (`x-kubernetes-patch-*`)
 * lives on the property, so callers read that before resolving.
 */
export function resolve(s: SchemaObject): SchemaObject {
  const n = refName(s);
  if (!n) return s;
  const d = definitions[n];
  if (!d) throw new Error(`schema ${n} is not defined`);
  return d;
}

/** The resolved schema of property `key` of an object schema, or undefined when it has none. */
export function propertySchema(s: SchemaObject, key: string): SchemaObject | undefined {
  const p = s.properties?.[key];
  if (p) return p;
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return s.additionalProperties;
  return undefined;
}

export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
