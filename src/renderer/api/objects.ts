import type { KubeObject } from '../../orchestrator/api/types.js';
import type { ObjectRef } from '../store/resourcesSlice.js';
import { FIELD_MANAGER, type KubeApi } from './client.js';
import { kindPath } from './discovery.js';
import { ApiRequestError } from './errors.js';
import { isKubeObject } from './guards.js';

/** Writes to any object by its ref, each with an optional server-side dry run (`?dryRun=All`). */

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
}

function asObject(body: unknown, what: string): KubeObject {
  if (!isKubeObject(body)) throw new ApiRequestError(500, `${what}: the server did not answer with an object`);
  return body;
}

const dry = (o: WriteOptions) => (o.dryRun ? { dryRun: 'All' } : {});

export async function getObject(api: KubeApi, ref: ObjectRef): Promise<KubeObject> {
  return asObject(await api.json('GET', kindPath(ref, ref.namespace, ref.name)), `get ${ref.kind} ${ref.name}`);
}

export type PatchKind = 'merge' | 'strategic' | 'json' | 'apply';
const PATCH_TYPES: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export async function patchObject(api: KubeApi, ref: ObjectRef, kind: PatchKind, patch: unknown, o: WriteOptions = {}): Promise<KubeObject> {
  const query = { ...dry(o), fieldManager: FIELD_MANAGER, ...(kind === 'apply' ? { force: 'true' } : {}) };
  return asObject(await api.json('PATCH', kindPath(ref, ref.namespace, ref.name, o.subresource), { body: patch, contentType: PATCH_TYPES[kind], query }), `patch ${ref.kind} ${ref.name}`);
}

/** PUT: replaces the object. With `metadata.resourceVersion` set, a concurrent change answers 409. */
export async function replaceObject(api: KubeApi, ref: ObjectRef, obj: KubeObject, o: WriteOptions = {}): Promise<KubeObject> {
  return asObject(await api.json('PUT', kindPath(ref, ref.namespace, ref.name), { body: obj, query: { ...dry(o), fieldManager: FIELD_MANAGER } }), `replace ${ref.kind} ${ref.name}`);
}

export async function createObject(api: KubeApi, ref: Omit<ObjectRef, 'name'>, obj: KubeObject, o: WriteOptions = {}): Promise<KubeObject> {
  return asObject(await api.json('POST', kindPath(ref, ref.namespace), { body: obj, query: { ...dry(o), fieldManager: FIELD_MANAGER } }), `create ${ref.kind}`);
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export async function deleteObject(api: KubeApi, ref: ObjectRef, propagationPolicy: Propagation = 'Background'): Promise<void> {
  await api.send('DELETE', kindPath(ref, ref.namespace, ref.name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
}

/** `POST .../pods/NAME/eviction` (policy/v1 Eviction): 201 evicted, 429 a disruption budget says not now. */
export async function evictPod(api: KubeApi, namespace: string, name: string): Promise<void> {
  await api.send('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`, {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
  });
}
