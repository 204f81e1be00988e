import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import { formatLabelSelector } from '../api/selectors.js';
import type { KubeObject, LabelSelector, Pod } from '../api/types.js';
import { mergePatch } from '../api/patch/mergePatch.js';
import type { Clock } from '../util/clock.js';
import { connectToKubelet } from './kubeletConnection.js';
import type { NodeDialer } from '../client/nodeDialer.js';
import type { Registry } from './registry.js';
import type { RequestContext } from './requestContext.js';
import type { ResourceRoute } from './routes.js';
import { parseBody, readBody, sendJson } from './http.js';
import { forwardBool, queryInt } from './query.js';
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
    status: { replicas: obj.status?.replicas ?? 0, selector: formatLabelSelector(obj.spec.selector) },
  };
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

/** The integer PodLogOptions, validated as ValidatePodLogOptions does (422 PodLogOptions). */
function podLogOptions(q: URLSearchParams, name: string, now: number): { tailLines?: number; sinceSeconds?: number; limitBytes?: number } {
  const o = { tailLines: queryInt(q, 'tailLines'), sinceSeconds: queryInt(q, 'sinceSeconds'), limitBytes: queryInt(q, 'limitBytes') };
  const sinceTime = q.get('sinceTime');
  const causes = [];
  if (o.tailLines !== undefined && o.tailLines < 0) causes.push({ reason: 'FieldValueInvalid', field: 'tailLines', message: `Invalid value: ${o.tailLines}: must be greater than or equal to 0` });
  if (o.limitBytes !== undefined && o.limitBytes < 1) causes.push({ reason: 'FieldValueInvalid', field: 'limitBytes', message: `Invalid value: ${o.limitBytes}: must be greater than 0` });
  if (o.sinceSeconds !== undefined && q.get('sinceTime') !== null) causes.push({ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) causes.push({ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${o.sinceSeconds}: must be greater than 0` });
  if (causes.length) throw errors.invalid({ group: '', resource: 'pods', kind: 'PodLogOptions' }, name, causes);
  if (sinceTime !== null) {
    // The kubelet API here takes seconds only: a time becomes the seconds since it (at least 1).
    const t = Date.parse(sinceTime);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(sinceTime) || Number.isNaN(t)) {
      throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
    }
    o.sinceSeconds = Math.max(1, Math.ceil((now - t) / 1000));
  }
  return o;
}

/** `POST pods/<name>/binding`: what the scheduler does over HTTP. */
export async function serveBinding(req: IncomingMessage, res: ServerResponse, deps: SubresourceDeps, route: ResourceRoute): Promise<void> {
  if (req.method !== 'POST') throw errors.methodNotAllowed();
  const body = (await parseBody(await readBody(req), req.headers['content-type'])) as { target?: { name?: string } } | null;
  const node: unknown = body?.target?.name;
  // bind() writes the pod without the registry's validation: only a string may become spec.nodeName.
  if (typeof node !== 'string' || !node) throw errors.invalid({ group: '', resource: 'bindings', kind: 'Binding' }, route.name ?? '', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
  await deps.registry.bind(route.namespace as string, route.name as string, node);
  sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * `GET pods/<name>/log`: proxied to the agent on the pod's node (its kubelet API), reached through
 * the node dialer, so it works for hosts behind SSH. Streams until the agent ends or the client goes.
 */
export async function serveLog(req: IncomingMessage, res: ServerResponse, deps: SubresourceDeps, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
  const ns = route.namespace as string;
  const podName = route.name as string;
  const logOptions = podLogOptions(q, podName, deps.clock.now());
  const pod = await deps.registry.get<Pod>('pods', ns, podName);
  const containers = pod.spec.containers.map((c) => c.name);
  let container = q.get('container') ?? undefined;
  if (!container) {
    const def = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    if (def && containers.includes(def)) container = def;
    else if (containers.length === 1) container = containers[0];
    else throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`);
  }
  if (!containers.includes(container as string)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${podName} does not have a host assigned`);
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!status || (!status.containerID && !status.lastState?.terminated)) {
    const reason = status?.state.waiting?.reason ?? 'ContainerCreating';
    throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  }
  // PodLogOptions as the API server reads them, passed on in the spelling the kubelet API reads.
  const params = new URLSearchParams();
  for (const k of ['follow', 'timestamps', 'previous']) {
    const v = forwardBool(q, k);
    if (v !== undefined) params.set(k, v);
  }
  for (const [k, v] of Object.entries(logOptions)) if (v !== undefined) params.set(k, String(v));
  const { socket, token } = await connectToKubelet(deps.registry, deps.dialer, nodeName, 'logs');
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(podName)}/${encodeURIComponent(container as string)}?${params}`;
  await new Promise<void>((resolve) => {
    const up = httpRequest({ path, method: 'GET', headers: { Authorization: `Bearer ${token}`, Host: 'kubelet' }, createConnection: () => socket as never }, (upRes) => {
      if ((upRes.statusCode ?? 500) >= 400) {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const msg = Buffer.concat(chunks).toString().trim() || `kubelet answered ${upRes.statusCode}`;
          sendJson(res, upRes.statusCode === 404 ? 404 : 400, new ApiError(upRes.statusCode === 404 ? 404 : 400, upRes.statusCode === 404 ? 'NotFound' : 'BadRequest', msg).toStatus());
          resolve();
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      upRes.pipe(res);
      upRes.on('end', resolve);
      upRes.on('error', () => resolve());
    });
    up.on('error', (e) => {
      if (!res.headersSent) sendJson(res, 503, errors.unavailable(`logs from node ${nodeName}: ${e.message}`).toStatus());
      else res.end();
      resolve();
    });
    res.on('close', () => {
      up.destroy();
      resolve();
    });
    up.end();
  });
}
