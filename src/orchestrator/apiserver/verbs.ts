import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, isNotFound } from '../api/errors.js';
import { toView, versionView, type VersionView } from '../api/conversion.js';
import { apiVersionOf } from '../api/resources.js';
import { decodeError, pruneUnknownFields } from '../api/validation.js';
import { toTable } from '../api/tables.js';
import type { KubeObject } from '../api/types.js';
import type { ListOptions, PatchType } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { pacer } from '../util/pacer.js';
import { includeObjectPolicy, parseBody, readBody, sendJson, wantsTable } from './http.js';
import { parseDeleteOptions } from './deleteOptions.js';
import { queryBool, queryInt, queryOptionalBool, validateWriteQuery } from './query.js';
import type { InternalDelete, InternalWrite, Registry } from './registry.js';
import type { RequestContext } from './requestContext.js';
import type { ResourceRoute } from './routes.js';
import { sendList, sendTable } from './listWriter.js';
import { serveWatch } from './watchStream.js';

export interface VerbDeps {
  registry: Registry;
  clock: Clock;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** The Kubernetes verb a request maps to, for authorization and audit. */
export function verbOf(method: string, route: ResourceRoute, q: URLSearchParams): string {
  const watch = queryBool(q, 'watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : route.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/**
 * Write options from the query. Without `fieldManager`, the manager is the client's User-Agent up
 * to its first `/` (`kubectl/v1.32.4 (linux/amd64) ...` -> `kubectl`), as kube-apiserver names it.
 */
export function writeOptions(q: URLSearchParams, req?: IncomingMessage, user?: RequestContext): InternalWrite {
  const fv = q.get('fieldValidation');
  const ua = req?.headers['user-agent'];
  return {
    fieldManager: q.get('fieldManager') || (ua ? ua.split('/')[0]?.trim().slice(0, 128) : undefined) || undefined,
    dryRun: q.getAll('dryRun').includes('All'),
    fieldValidation: fv === 'Strict' || fv === 'Warn' || fv === 'Ignore' ? fv : undefined,
    force: queryOptionalBool(q, 'force') ?? false,
    ...(user ? { user } : {}),
    // A client's write of a big object lets other requests in between its stages.
    ...(req ? { pace: pacer() } : {}),
  };
}

function asObject(body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.badRequest('the request body must be a JSON or YAML object');
  }
  const o = body as KubeObject;
  if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object' || Array.isArray(o.metadata))) {
    throw errors.badRequest('metadata must be an object');
  }
  return o;
}

/** Collection and object verbs on the main resource (subresources are served elsewhere). */
export async function serveResource(req: IncomingMessage, res: ServerResponse, deps: VerbDeps, route: ResourceRoute, q: URLSearchParams, user: RequestContext): Promise<void> {
  const { registry } = deps;
  const { r, namespace, name } = route;
  const method = req.method ?? 'GET';
  // An older served version (autoscaling/v1): bodies convert to the stored version, answers back.
  const view = versionView(r, route.version);
  const out = <T extends KubeObject>(o: T): KubeObject => toView(view, o);
  const input = (o: KubeObject): KubeObject => (view ? fromClient(view, o, q) : o);
  if (name === undefined) {
    if (method === 'GET') {
      if (queryBool(q, 'watch')) return serveWatch(req, res, deps, r, namespace, q, view);
      const list = await registry.list(r.resource, listOptions(namespace, q));
      if (wantsTable(req.headers.accept)) return sendTable(res, r, list, { now: deps.clock.now(), includeObject: includeObjectPolicy(q) });
      if (view) return sendJson(res, 200, { ...list, apiVersion: apiVersionOf(view.r), items: list.items.map(out) });
      return sendList(res, list);
    }
    if (method === 'POST') {
      validateWriteQuery(q, 'CreateOptions');
      const obj = input(asObject(await parseBody(await readBody(req), req.headers['content-type'])));
      const warnings: string[] = [];
      const created = await registry.create(r.resource, namespace, obj, { ...writeOptions(q, req, user), warnings, owned: true });
      setWarnings(res, warnings);
      return sendJson(res, 201, out(created));
    }
    if (method === 'DELETE') {
      const list = await registry.list(r.resource, { namespace, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
      const opts = await deleteOptions(req, q, user);
      const items = await deleteEach(registry, r.resource, list.items, opts);
      return sendList(res, { apiVersion: apiVersionOf(view?.r ?? r), kind: `${r.kind}List`, metadata: { resourceVersion: String(registry.store.currentRevision()) }, items: view ? items.map(out) : items });
    }
    throw errors.methodNotAllowed();
  }

  // The status and ephemeralcontainers subresources are read and written, never deleted or
  // created (kube-apiserver: 405); a write through one changes only its part of the object.
  const part: InternalWrite['subresource'] = route.subresource === 'status' || route.subresource === 'ephemeralcontainers' ? route.subresource : undefined;
  if (part && method !== 'GET' && method !== 'PUT' && method !== 'PATCH') throw errors.methodNotAllowed();
  switch (method) {
    case 'GET': {
      const obj = await registry.get(r.resource, namespace, name);
      if (wantsTable(req.headers.accept)) return sendJson(res, 200, toTable(r, [obj], { now: deps.clock.now(), includeObject: includeObjectPolicy(q) }));
      return sendJson(res, 200, out(obj));
    }
    case 'PUT': {
      validateWriteQuery(q, 'UpdateOptions');
      const obj = input(asObject(await parseBody(await readBody(req), req.headers['content-type'])));
      const warnings: string[] = [];
      const updated = await registry.update(r.resource, namespace, name, obj, { ...writeOptions(q, req, user), subresource: part, warnings, owned: true });
      setWarnings(res, warnings);
      return sendJson(res, 200, out(updated));
    }
    case 'PATCH': {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const type = PATCH_TYPES[ct];
      if (!type) throw errors.unsupportedMediaType(ct);
      validateWriteQuery(q, 'PatchOptions');
      const body = await parseBody(await readBody(req), type === 'apply' ? 'application/yaml' : 'application/json');
      const warnings: string[] = [];
      const opts = { ...writeOptions(q, req, user), subresource: part, warnings, ...(view ? { view } : {}) };
      if (type === 'apply') {
        // Server-side apply upserts: 201 when it created the object.
        const { object, created } = await registry.applyOrCreate(r.resource, namespace, name, input(asObject(body)), { ...opts, fieldManager: q.get('fieldManager') ?? undefined });
        setWarnings(res, warnings);
        return sendJson(res, created ? 201 : 200, out(object));
      }
      // owned: the patched object is this request's own (built from a fresh read), answered as written.
      // (Server-side apply above keeps its applied configuration across retries: not owned.)
      const patched = await registry.patch(r.resource, namespace, name, type, body, { ...opts, owned: true });
      setWarnings(res, warnings);
      return sendJson(res, 200, out(patched));
    }
    case 'DELETE': {
      const opts = await deleteOptions(req, q, user);
      const result = await registry.delete(r.resource, namespace, name, opts);
      return sendJson(res, 200, out(result));
    }
    default:
      throw errors.methodNotAllowed();
  }
}

/** Deletes a collection's objects at most this many at a time, so one group commit takes many (kube-apiserver's DeleteCollection workers). */
const DELETE_COLLECTION_WIDTH = 16;

/**
 * DELETE on a collection: each listed object deleted as one DELETE of it would be (finalizers,
 * grace periods, preconditions apply), a few at once, the event loop turning between them; the
 * answer lists what was deleted in the list's order, without those gone meanwhile.
 */
async function deleteEach(registry: Registry, resource: string, objects: readonly KubeObject[], opts: InternalDelete): Promise<KubeObject[]> {
  const done: (KubeObject | undefined)[] = new Array<KubeObject | undefined>(objects.length);
  const pace = pacer(10);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < objects.length && !failed) {
      const i = next++;
      const o = objects[i] as KubeObject;
      await pace();
      try {
        done[i] = await registry.delete(resource, o.metadata.namespace, o.metadata.name as string, opts);
      } catch (e) {
        if (isNotFound(e)) continue;
        failed = true; // the others stop at their next object, as one loop would
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_COLLECTION_WIDTH, objects.length) }, worker));
  return done.filter((o): o is KubeObject => o !== undefined);
}

/**
 * `Warning: 299 - "text"` headers, one per distinct warning, as kube-apiserver sends them
 * (kubectl prints each as `Warning: text` on stderr).
 */
export function setWarnings(res: ServerResponse, warnings: string[]): void {
  const distinct = [...new Set(warnings)];
  if (!distinct.length) return;
  // Header values are one line of visible ASCII; quotes and backslashes are escaped (RFC 9111).
  const quoted = distinct.map((w) => `299 - "${w.replace(/[^\x20-\x7e]/g, '?').replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  res.setHeader('Warning', quoted);
}

/** A list's options from its query (`limit` an int64 as apimachinery parses it: anything else is a 400). */
export function listOptions(namespace: string | undefined, q: URLSearchParams): ListOptions {
  const match = q.get('resourceVersionMatch');
  return {
    namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: queryInt(q, 'limit'),
    continue: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: (match || undefined) as ListOptions['resourceVersionMatch'],
  };
}

/**
 * A body sent to an older version, checked against that version's schema (so no field is lost
 * silently in conversion: unknown ones are a 400 under Strict, dropped otherwise) and converted to
 * the stored version.
 */
function fromClient(view: VersionView, o: KubeObject, q: URLSearchParams): KubeObject {
  const want = apiVersionOf(view.r);
  if (o.apiVersion !== undefined && (o.apiVersion !== want || o.kind !== view.r.kind)) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${view.r.kind}): ${o.apiVersion}, Kind=${o.kind}`);
  }
  const strict = q.get('fieldValidation') === 'Strict';
  const err = decodeError(view.r, { ...o, apiVersion: want, kind: view.r.kind }, { strict });
  if (err) throw err;
  const copy = structuredClone({ ...o, apiVersion: want, kind: view.r.kind });
  if (!strict) pruneUnknownFields(view.r, copy);
  return view.converter.fromVersion(copy);
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams, user: RequestContext): Promise<InternalDelete> {
  validateWriteQuery(q, 'DeleteOptions');
  const buf = await readBody(req);
  const body = buf.length > 0 && buf.toString().trim() ? await parseBody(buf, req.headers['content-type']) : undefined;
  return { ...parseDeleteOptions(body, q), user };
}
