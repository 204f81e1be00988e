import { createHash } from 'node:crypto';
import { SERVED_VERSIONS, type ResourceType } from './resources.js';
import { REF_PREFIX, definitionName, definitions, type SchemaObject } from './schema/index.js';

/**
 * The `/openapi/v3` surface kubectl reads: an index of group-versions, and per group-version an
 * OpenAPI 3 document with the component schemas of its kinds and the paths of its resources.
 * kubectl looks for a PATCH operation carrying the kind's `x-kubernetes-group-version-kind` and a
 * `fieldValidation` parameter; finding it, it sends `fieldValidation=Strict` and leaves validation
 * to the server. `kubectl explain` walks the same schemas.
 */

export interface OpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenApiDocument {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes: Record<string, unknown> };
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

/** `api/v1`, `apis/apps/v1`: the key of a group-version in the index. */
function gvPath(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

const groupVersions = new Map<string, ResourceType[]>();
for (const r of SERVED_VERSIONS) {
  const key = gvPath(r);
  groupVersions.set(key, [...(groupVersions.get(key) ?? []), r]);
}

const docs = new Map<string, { doc: OpenApiDocument; hash: string }>();

function built(path: string): { doc: OpenApiDocument; hash: string } | undefined {
  const cached = docs.get(path);
  if (cached) return cached;
  const rs = groupVersions.get(path);
  if (!rs) return undefined;
  const doc = buildDocument(rs);
  const entry = { doc, hash: createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase() };
  docs.set(path, entry);
  return entry;
}

/** `GET /openapi/v3`. */
export function openapiIndex(): OpenApiIndex {
  const paths: OpenApiIndex['paths'] = {};
  for (const key of groupVersions.keys()) {
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${(built(key) as { hash: string }).hash}` };
  }
  return { paths };
}

/** `GET /openapi/v3/<groupVersionPath>` (`api/v1`, `apis/apps/v1`; a leading `/` or `?hash=` is ignored). */
export function openapiDocument(groupVersionPath: string): OpenApiDocument | undefined {
  const path = groupVersionPath.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').split('?')[0] ?? '';
  return built(path)?.doc;
}

function ref(name: string): SchemaObject {
  return { $ref: REF_PREFIX + name };
}

function json(name: string): Record<string, unknown> {
  return { 'application/json': { schema: ref(name) }, 'application/yaml': { schema: ref(name) } };
}

function queryParam(name: string, description: string, type: 'string' | 'boolean' = 'string'): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const DRY_RUN = queryParam('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = queryParam(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present.',
);
const FORCE = queryParam('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean');
const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const LIST_PARAMS = ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'timeoutSeconds', 'watch', 'allowWatchBookmarks'].map((n) =>
  queryParam(n, `${n} of the list or watch.`),
);
const PATCH_BODY = {
  required: true,
  content: Object.fromEntries(
    ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].map((t) => [t, { schema: ref(PATCH) }]),
  ),
};

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function op(action: string, id: string, gvk: Gvk, response: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    operationId: id,
    description: `${action} ${gvk.kind}`,
    responses: { '200': { description: 'OK', content: json(response) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  };
}

/** get / put / patch on an object (or its subresource), answering `answer`. */
function objectOps(id: string, gvk: Gvk, schema: string): Record<string, unknown> {
  return {
    get: op('get', `read${id}`, gvk, schema),
    put: op('put', `replace${id}`, gvk, schema, { parameters: WRITE_PARAMS, requestBody: { required: true, content: json(schema) } }),
    patch: op('patch', `patch${id}`, gvk, schema, { parameters: [...WRITE_PARAMS, FORCE], requestBody: PATCH_BODY }),
  };
}

function pathParam(name: string, description: string): Record<string, unknown> {
  return { name, in: 'path', required: true, description, schema: { type: 'string', uniqueItems: true } };
}

function buildDocument(rs: ResourceType[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const roots = new Set<string>([STATUS, DELETE_OPTIONS, PATCH]);
  const lists: Record<string, SchemaObject> = {};
  for (const r of rs) {
    const def = definitionName(r.group, r.version, r.kind);
    if (!def) continue;
    roots.add(def);
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const listName = `${def}List`;
    lists[listName] = listSchema(r, def);
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const scope = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    const ns = r.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
    const name = pathParam('name', `name of the ${r.kind}`);
    const id = `${r.group ? r.group.split('.')[0] : 'Core'}${r.version.replace(/^v/, 'V')}${r.namespaced ? 'Namespaced' : ''}${r.kind}`;
    const listGvk = { ...gvk, kind: `${r.kind}List` };
    paths[scope] = {
      get: op('list', `list${id}`, listGvk, listName, { parameters: LIST_PARAMS }),
      post: op('post', `create${id}`, gvk, def, { parameters: WRITE_PARAMS, requestBody: { required: true, content: json(def) } }),
      delete: op('deletecollection', `deletecollection${id}`, gvk, STATUS, { parameters: LIST_PARAMS }),
      parameters: ns,
    };
    paths[`${scope}/{name}`] = {
      ...objectOps(id, gvk, def),
      delete: op('delete', `delete${id}`, gvk, STATUS, { requestBody: { content: json(DELETE_OPTIONS) } }),
      parameters: [name, ...ns],
    };
    if (r.namespaced) paths[`${base}/${r.resource}`] = { get: op('list', `list${r.kind}ForAllNamespaces`, listGvk, listName, { parameters: LIST_PARAMS }) };
    if (r.subresources.includes('status')) paths[`${scope}/{name}/status`] = { ...objectOps(`${id}Status`, gvk, def), parameters: [name, ...ns] };
    if (r.subresources.includes('scale')) {
      roots.add(SCALE);
      paths[`${scope}/{name}/scale`] = { ...objectOps(`${id}Scale`, { group: 'autoscaling', version: 'v1', kind: 'Scale' }, SCALE), parameters: [name, ...ns] };
    }
  }
  const schemas: Record<string, SchemaObject> = {};
  for (const n of reachable(roots)) schemas[n] = definitions[n] as SchemaObject;
  Object.assign(schemas, lists);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } },
  };
}

function listSchema(r: ResourceType, def: string): SchemaObject {
  return {
    description: `${r.kind}List is a list of ${r.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      items: { type: 'array', description: `List of ${r.resource}.`, items: ref(def) },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { allOf: [ref(`${META}.ListMeta`)], description: "Standard list metadata." },
    },
    'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: `${r.kind}List` }],
  };
}

/** Every definition reachable through `$ref`s from `roots`, in a stable (sorted) order. */
function reachable(roots: Set<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots, `${META}.ListMeta`];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n) || !definitions[n]) continue;
    seen.add(n);
    collectRefs(definitions[n] as SchemaObject, stack);
  }
  return [...seen].sort();
}

function collectRefs(s: unknown, out: string[]): void {
  if (Array.isArray(s)) {
    for (const x of s) collectRefs(x, out);
  } else if (s !== null && typeof s === 'object') {
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) out.push(v.slice(REF_PREFIX.length));
      else collectRefs(v, out);
    }
  }
}
