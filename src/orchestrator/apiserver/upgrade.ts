import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../api/errors.js';
import { podContainers } from '../api/podutil.js';
import type { Pod } from '../api/types.js';
import { MASTERS_GROUP, resourceAttributes } from './authz/index.js';
import { identify } from './authz/request.js';
import { serveHostShell } from './hostShell.js';
import { servePodLogSocket } from './podLogs.js';
import type { HandlerDeps } from './handler.js';
import type { RequestContext } from './requestContext.js';
import { connectToKubelet } from './kubeletConnection.js';
import { requestTarget } from './http.js';
import { forwardBool, queryBool } from './query.js';
import { parseResourcePath } from './routes.js';
import { serveWatchSocket } from './watchSocket.js';

/**
 * Handles an HTTP upgrade (the `upgrade` event of the HTTPS server, or the UI server's, which
 * passes its own identity). Never throws: failures are answered as a `Status` on the socket.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, identity?: RequestContext) => void;

type StreamingSubresource = 'exec' | 'attach' | 'portforward';
const STREAMING: readonly string[] = ['exec', 'attach', 'portforward'];

/** Request headers the kubelet needs to complete the client's handshake; nothing else is passed on. */
const FORWARDED_HEADERS = ['upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version', 'user-agent'];

/** How long the node's kubelet may take to answer the upgrade. */
const UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * `pods/exec`, `pods/attach` and `pods/portforward`: the API server authenticates and authorizes
 * the upgrade (verb `create` on the subresource, for GET and POST alike: a WebSocket GET runs
 * commands just as a POST does), checks the pod and picks the container, then forwards the
 * upgrade to the kubelet API of the pod's node through the node dialer (so it works for hosts
 * behind SSH) and splices the two connections byte for byte. The protocols themselves (channel
 * WebSocket, SPDY tunnel) are spoken by the agent. A refusal from the kubelet comes back as a
 * `Status`, which kubectl prints as `Error from server (...)`.
 */
export function createUpgradeHandler(deps: HandlerDeps): UpgradeHandler {
  return (req, socket, head, identity) => {
    socket.on('error', () => socket.destroy());
    proxyUpgrade(req, socket, head, deps, identity).catch((e: unknown) => {
      if (!(e instanceof ApiError)) deps.log.warn('upgrade failed', { url: req.url, error: e instanceof Error ? e.stack : String(e) });
      respondWithStatus(socket, e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e)));
    });
  };
}

async function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: HandlerDeps, identity?: RequestContext): Promise<void> {
  const url = requestTarget(req.url);
  const q = url.query;
  const ctx = identify(deps, req, identity);
  const route = parseResourcePath(url.pathname.replace(/\/+$/, ''));
  if (route?.type === 'resource' && !route.name && !route.subresource && queryBool(q, 'watch')) {
    deps.authz.check(resourceAttributes(ctx, 'watch', { group: route.r.group, resource: route.r.resource, namespace: route.namespace }, q));
    return serveWatchSocket(req, socket, head, deps.registry, route.r, route.namespace, q);
  }
  if (route?.type === 'resource' && route.r.resource === 'hosts' && route.name && route.subresource === 'shell') {
    // Root on a host: only the cluster's administrators (the UI's identity and the admin token).
    if (!ctx.groups.includes(MASTERS_GROUP)) throw errors.forbidden(ctx.user, 'create', route.r, undefined, route.name, 'shell');
    if (!deps.hostShells) throw errors.unavailable('host shells are not served by this API server');
    return serveHostShell(req, socket, head, deps.hostShells, route.name, q, deps.log);
  }
  if (route?.type === 'resource' && route.r.resource === 'pods' && route.namespace && route.name && route.subresource === 'log') {
    deps.authz.check(resourceAttributes(ctx, 'get', { group: '', resource: 'pods', subresource: 'log', namespace: route.namespace, name: route.name }));
    return servePodLogSocket(req, socket, head, deps, route.namespace, route.name, q);
  }
  if (!route || route.type !== 'resource' || route.r.resource !== 'pods' || !route.namespace || !route.name || !STREAMING.includes(route.subresource ?? '')) {
    throw new ApiError(400, 'BadRequest', `upgrade requests are served only for watches, pods/log, pods/exec, pods/attach, pods/portforward and hosts/shell, not ${url.pathname}`);
  }
  const ns = route.namespace;
  const name = route.name;
  const sub = route.subresource as StreamingSubresource;
  deps.authz.check(resourceAttributes(ctx, 'create', { group: '', resource: 'pods', subresource: sub, namespace: ns, name }));

  const pod = await deps.registry.get<Pod>('pods', ns, name);
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    const what = { exec: 'exec into a container', attach: 'attach to a container', portforward: 'port-forward to a container' }[sub];
    throw errors.badRequest(`cannot ${what} in a completed pod; current phase is ${phase}`);
  }

  const enc = encodeURIComponent;
  let path: string;
  if (sub === 'portforward') {
    const params = new URLSearchParams();
    for (const p of q.getAll('ports')) params.append('ports', p);
    path = `/portForward/${enc(ns)}/${enc(name)}${params.size ? `?${params}` : ''}`;
  } else {
    const container = pickContainer(pod, q.get('container'));
    const params = new URLSearchParams();
    for (const c of q.getAll('command')) params.append('command', c);
    // Read as the API server reads PodExecOptions, then passed on in the one spelling the kubelet reads.
    for (const k of ['stdin', 'stdout', 'stderr', 'tty']) {
      const v = forwardBool(q, k);
      if (v !== undefined) params.set(k, v);
    }
    path = `/${sub}/${enc(ns)}/${enc(name)}/${enc(container)}?${params}`;
  }

  const { socket: upstream, token } = await connectToKubelet(deps.registry, deps.dialer, nodeName, '');
  if (socket.destroyed) return void upstream.destroy();
  const headers: Record<string, string> = { Host: 'kubelet', Connection: 'Upgrade', Authorization: `Bearer ${token}` };
  for (const h of FORWARDED_HEADERS) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
  }
  await forward(socket, head, upstream, { method: req.method ?? 'GET', path, headers }, nodeName, deps);
}

/** The container an exec/attach means: the named one, else the default-container annotation's, else the first. */
function pickContainer(pod: Pod, requested: string | null): string {
  // Init and ephemeral containers may be named (kubectl exec -c init, kubectl debug's attach); the default is an app container.
  const names = podContainers(pod).map((c) => c.name);
  const podName = pod.metadata.name ?? '';
  if (requested) {
    if (!names.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${podName}; choose one of: [${names.join(' ')}]`);
    return requested;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  const first = names[0];
  if (!first) throw errors.badRequest(`pod ${podName} has no containers`);
  return first;
}

/** Sends the upgrade to the kubelet; on 101 relays its answer and splices; otherwise rejects with its refusal as a Status. */
function forward(client: Duplex, head: Buffer, upstream: Duplex, r: { method: string; path: string; headers: Record<string, string> }, nodeName: string, deps: HandlerDeps): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const cancelTimer = deps.clock.setTimeout(() => up.destroy(new Error('timed out waiting for the kubelet')), UPSTREAM_TIMEOUT_MS);
    const settle = (e?: ApiError) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      if (e) reject(e);
      else resolve();
    };
    const up = httpRequest({ ...r, createConnection: () => upstream as never }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on('end', () => {
        const code = res.statusCode ?? 500;
        const msg = Buffer.concat(chunks).toString().trim() || `the kubelet on node ${nodeName} answered ${code}`;
        if (code === 400) settle(errors.badRequest(msg));
        else if (code === 404) settle(new ApiError(404, 'NotFound', msg));
        else settle(errors.internal(`node ${nodeName}: ${msg}`));
      });
    });
    up.on('upgrade', (res, upSocket: Duplex, upHead: Buffer) => {
      const lines = [`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      client.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) client.write(upHead);
      if (head.length) upSocket.write(head);
      splice(client, upSocket);
      settle();
    });
    up.on('error', (e) => {
      upstream.destroy();
      settle(errors.unavailable(`cannot reach the kubelet on node ${nodeName}: ${e.message}`));
    });
    client.on('close', () => {
      if (!settled) up.destroy();
    });
    up.end();
  });
}

/** Pipes two connections into each other; when either closes, both go. */
function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const done = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('close', done);
    s.on('error', done);
  }
  // Long-lived sessions must not be cut by idle timeouts set for plain requests.
  for (const s of [a, b] as (Duplex & { setTimeout?: (ms: number) => void })[]) s.setTimeout?.(0);
}

function respondWithStatus(socket: Duplex, e: ApiError): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(e.toStatus());
  socket.end(
    `HTTP/1.1 ${e.code} ${STATUS_CODES[e.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${body}`,
  );
}
