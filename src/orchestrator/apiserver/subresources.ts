import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import { formatLabelSelector } from '../api/selectors.js';
import type { KubeObject, LabelSelector } from '../api/types.js';
import { mergePatch } from '../api/patch/mergePatch.js';
import type { Clock } from '../util/clock.js';
import type { NodeDialer } from '../client/nodeDialer.js';
import type { Registry } from './registry.js';
import { bindPod } from './strategies/podBinding.js';
import type { RequestContext } from './requestContext.js';
import type { ResourceRoute } from './routes.js';
import { parseBody, readBody, sendJson } from './http.js';
import { writeOptions } from './verbs.js';

export interface SubresourceDeps {
  registry: Registry;
  clock: Clock;
  dialer: NodeDialer;
}

type Scalable = KubeObject & { spec: { replicas?: number; selector?: LabelSelector }; status?: { replicas?: number } };

function toScale(obj: Scalable) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: scaleSelector(obj) },
  };
}

/** The Scale's selector string; a ReplicationController's selector is a plain label map (sorted, as labels.Set prints it). */
function scaleSelector(obj: Scalable): string {
  if (obj.kind !== 'ReplicationController') return formatLabelSelector(obj.spec.selector);
  const m = (obj.spec.selector ?? {}) as Record<string, string>;
  return Object.keys(m).sort().map((k) => `${k}=${m[k]}`).join(',');
}

/** `/scale`: read and write `spec.replicas` through an autoscaling/v1 Scale. */
export async function serveScale(req: IncomingMessage, res: ServerResponse, deps: SubresourceDeps, route: ResourceRoute, q: URLSearchParams, user: RequestContext): Promise<void> {
  const { registry } = deps;
  const { r, namespace } = route;
  const name = route.name as string;
  const method = req.method ?? 'GET';
  const current = await registry.get<Scalable>(r.resource, namespace, name);
  if (method === 'GET') return sendJson(res, 200, toScale(current));
  let wanted: unknown;
  if (method === 'PUT') {
    wanted = await parseBody(await readBody(req), req.headers['content-type']);
  } else if (method === 'PATCH') {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const patch = await parseBody(await readBody(req), ct.includes('yaml') ? 'application/yaml' : 'application/json');
    if (ct === 'application/json-patch+json') throw errors.unsupportedMediaType(ct);
    wanted = mergePatch(toScale(current), patch);
  } else {
    throw errors.methodNotAllowed();
  }
  const scale = wanted as { metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };
  const replicas = scale.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid({ group: 'autoscaling', resource: 'scale', kind: 'Scale' }, name, [
      { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' },
    ]);
  }
  const rv = scale.metadata?.resourceVersion;
  if (method === 'PUT' && rv && rv !== current.metadata.resourceVersion) throw errors.conflict(r, name);
  const patch = { metadata: rv ? { resourceVersion: rv } : {}, spec: { replicas } };
  const updated = await registry.patch<Scalable>(r.resource, namespace, name, 'merge', patch, { ...writeOptions(q, req, user), fieldsSubresource: 'scale' });
  return sendJson(res, 200, toScale(updated));
}

/** `POST pods/<name>/binding`: what the scheduler does over HTTP. */
export async function serveBinding(req: IncomingMessage, res: ServerResponse, deps: SubresourceDeps, route: ResourceRoute): Promise<void> {
  if (req.method !== 'POST') throw errors.methodNotAllowed();
  const body = (await parseBody(await readBody(req), req.headers['content-type'])) as { target?: { name?: string } } | null;
  const node: unknown = body?.target?.name;
  // The binding writes the pod without the registry's validation: only a string may become spec.nodeName.
  if (typeof node !== 'string' || !node) throw errors.invalid({ group: '', resource: 'bindings', kind: 'Binding' }, route.name ?? '', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
  await bindPod(deps.registry, route.namespace as string, route.name as string, node);
  sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
