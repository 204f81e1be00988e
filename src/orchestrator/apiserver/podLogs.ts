import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, errors } from '../api/errors.js';
import { podContainerStatus, podContainers } from '../api/podutil.js';
import type { Pod } from '../api/types.js';
import { connectToKubelet } from './kubeletConnection.js';
import type { ResourceRoute } from './routes.js';
import type { SubresourceDeps } from './subresources.js';
import { forwardBool, queryInt } from './query.js';

/** RFC 3339 with optional fractional seconds, as metav1.Time and kubectl's --since-time write it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * PodLogOptions as the API server reads them (booleans and integers as apimachinery parses them,
 * validated as ValidatePodLogOptions does: a 422 PodLogOptions), in the spelling the kubelet API
 * reads. `sinceTime` is passed on whole, fraction included: a reconnecting reader resumes at its
 * last line.
 */
function logParams(q: URLSearchParams, name: string): URLSearchParams {
  const ints = { tailLines: queryInt(q, 'tailLines'), sinceSeconds: queryInt(q, 'sinceSeconds'), limitBytes: queryInt(q, 'limitBytes') };
  const sinceTime = q.get('sinceTime');
  const causes = [];
  if (ints.tailLines !== undefined && ints.tailLines < 0) causes.push({ reason: 'FieldValueInvalid', field: 'tailLines', message: `Invalid value: ${ints.tailLines}: must be greater than or equal to 0` });
  if (ints.limitBytes !== undefined && ints.limitBytes < 1) causes.push({ reason: 'FieldValueInvalid', field: 'limitBytes', message: `Invalid value: ${ints.limitBytes}: must be greater than 0` });
  if (ints.sinceSeconds !== undefined && sinceTime !== null) causes.push({ reason: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (ints.sinceSeconds !== undefined && ints.sinceSeconds < 1) causes.push({ reason: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${ints.sinceSeconds}: must be greater than 0` });
  if (causes.length) throw errors.invalid({ group: '', resource: 'pods', kind: 'PodLogOptions' }, name, causes);
  if (sinceTime !== null && (!RFC3339.test(sinceTime) || Number.isNaN(Date.parse(sinceTime)))) {
    throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
  }
  const params = new URLSearchParams();
  for (const k of ['follow', 'timestamps', 'previous']) {
    const v = forwardBool(q, k);
    if (v !== undefined) params.set(k, v);
  }
  for (const [k, v] of Object.entries(ints)) if (v !== undefined) params.set(k, String(v));
  if (sinceTime !== null) params.set('sinceTime', sinceTime);
  return params;
}

/**
 * Opens a container's log on the kubelet of the pod's node (through the node dialer, so hosts
 * behind SSH work). Resolves the kubelet's 200 response, streaming; rejects with a Status error
 * (unknown container, not started yet, a refusal from the kubelet, the node unreachable).
 */
export async function openPodLog(deps: SubresourceDeps, ns: string, podName: string, q: URLSearchParams): Promise<{ body: IncomingMessage; abort(): void }> {
  const pod = await deps.registry.get<Pod>('pods', ns, podName);
  const containers = pod.spec.containers.map((c) => c.name);
  let container = q.get('container') ?? undefined;
  if (!container) {
    const def = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    if (def && containers.includes(def)) container = def;
    else if (containers.length === 1) container = containers[0];
    else throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`);
  }
  // Init and ephemeral containers have logs too (kubectl logs -c <init container>).
  if (!podContainers(pod).some((c) => c.name === container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const params = logParams(q, podName);
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${podName} does not have a host assigned`);
  const status = podContainerStatus(pod, container as string);
  if (!status || (!status.containerID && !status.lastState?.terminated)) {
    const reason = status?.state.waiting?.reason ?? 'ContainerCreating';
    throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  }
  const { socket, token } = await connectToKubelet(deps.registry, deps.dialer, nodeName, 'logs');
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(podName)}/${encodeURIComponent(container as string)}?${params}`;
  return new Promise((resolve, reject) => {
    const up = httpRequest({ path, method: 'GET', headers: { Authorization: `Bearer ${token}`, Host: 'kubelet' }, createConnection: () => socket as never }, (upRes) => {
      if ((upRes.statusCode ?? 500) >= 400) {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const msg = Buffer.concat(chunks).toString().trim() || `kubelet answered ${upRes.statusCode}`;
          reject(new ApiError(upRes.statusCode === 404 ? 404 : 400, upRes.statusCode === 404 ? 'NotFound' : 'BadRequest', msg));
        });
        return;
      }
      resolve({ body: upRes, abort: () => up.destroy() });
    });
    up.on('error', (e) => reject(errors.unavailable(`logs from node ${nodeName}: ${e.message}`)));
    up.end();
  });
}

/**
 * `GET pods/<name>/log`: the kubelet's stream, as text/plain, until the agent ends it or the
 * client goes.
 */
export async function serveLog(req: IncomingMessage, res: ServerResponse, deps: SubresourceDeps, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
  const log = await openPodLog(deps, route.namespace as string, route.name as string, q);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    log.body.pipe(res);
    log.body.on('end', resolve);
    log.body.on('error', () => resolve());
    res.on('close', () => {
      log.abort();
      resolve();
    });
  });
  if (!res.writableEnded) res.end();
}

/** kube-apiserver's log WebSocket protocols: raw bytes per message, or base64 text; '' is binary. */
const LOG_PROTOCOLS = ['binary.k8s.io', 'base64.binary.k8s.io'];
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => LOG_PROTOCOLS.find((p) => offered.has(p)) ?? false });
/** Past this many bytes queued for the client, the kubelet stream is paused until it drains. */
const HIGH_WATER = 1 << 20;

/**
 * `pods/<name>/log` as a WebSocket upgrade, as kube-apiserver serves it: each message is a chunk
 * of the log (binary, or base64 text for `base64.binary.k8s.io`); a normal close at the end.
 * Browsers use it because one HTTP/1.1 stream per container would use up their six connections.
 */
export async function servePodLogSocket(req: IncomingMessage, socket: Duplex, head: Buffer, deps: SubresourceDeps, ns: string, podName: string, q: URLSearchParams): Promise<void> {
  const log = await openPodLog(deps, ns, podName, q);
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  const base64 = ws.protocol === 'base64.binary.k8s.io';
  ws.on('close', () => log.abort());
  ws.on('error', () => log.abort());
  log.body.on('data', (c: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(base64 ? c.toString('base64') : c, { binary: !base64 });
    if (ws.bufferedAmount > HIGH_WATER) {
      log.body.pause();
      const wait = () => (ws.bufferedAmount > HIGH_WATER / 2 && ws.readyState === ws.OPEN ? setTimeout(wait, 20) : log.body.resume());
      setTimeout(wait, 20);
    }
  });
  const end = () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  log.body.on('end', end);
  log.body.on('error', end);
}
