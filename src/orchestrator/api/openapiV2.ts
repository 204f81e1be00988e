import { REF_PREFIX, definitions, type SchemaObject } from './schema/index.js';

/**
 * `GET /openapi/v2`: the Swagger 2.0 document of every served kind's schema, as kube-apiserver
 * serves it. kubectl reads it for one thing the v3 documents cannot give: validating a `kind: List`
 * file on the client (kubectl never asks the server to validate a List, so `create -f` and `apply -f`
 * of an exported list failed without it). Built from the same definitions as `/openapi/v3`, in the
 * v2 dialect: `#/definitions/` references, a lone `allOf` reference as the reference itself, and
 * IntOrString as upstream's v2 writes it (`type: string, format: int-or-string`).
 */
export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, SchemaObject>;
}

export const V2_REF_PREFIX = '#/definitions/';

let built: SwaggerDocument | undefined;

export function swaggerDocument(): SwaggerDocument {
  if (!built) {
    const defs: Record<string, SchemaObject> = {};
    for (const name of Object.keys(definitions).sort()) defs[name] = toV2(definitions[name] as SchemaObject) as SchemaObject;
    built = { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: defs };
  }
  return built;
}

function toV2(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toV2);
  if (s === null || typeof s !== 'object') return s;
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // `{allOf: [{$ref}], description}` is v3's way to describe a reference; v2 puts the two side by side.
  const allOf = o.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as Record<string, unknown>)?.$ref === 'string') {
    out.$ref = toV2Ref((allOf[0] as { $ref: string }).$ref);
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === 'allOf' && out.$ref !== undefined) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = toV2Ref(v);
    else if (k === 'oneOf' && o['x-kubernetes-int-or-string'] === true) {
      out.type = 'string';
      out.format = 'int-or-string';
    } else if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, toV2(ps)]));
    } else out[k] = toV2(v);
  }
  return out;
}

function toV2Ref(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? V2_REF_PREFIX + ref.slice(REF_PREFIX.length) : ref;
}
