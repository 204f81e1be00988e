import { healthChecks, serveHealth, serveHealthCheck, type HealthCheck, type HealthEndpoint } from './health.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import { openapiDocument, openapiIndex } from '../api/openapi.js';
import { swaggerDocument } from '../api/openapiV2.js';
import { encodeSwagger, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ASKED } from './protobuf/openapiV2.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { TokenAuthenticator } from './auth.js';
import { pathAttributes, resourceAttributes, type Authorization } from './authz/index.js';
import { admitTokenRequest } from './authz/nodeRestriction.js';
import { identify } from './authz/request.js';
import { matchReview, serveReview } from './authz/reviews.js';
import {
  AGGREGATED_CT,
  aggregatedDiscovery,
  legacyApiVersions,
  legacyGroupList,
  resourceList,
  subresourcesOf,
  VERSION_INFO,
  wantsAggregated,
} from './discovery.js';
import { MetricsStore } from './metrics/metricsStore.js';
import { serveMetrics } from './metrics/metricsApi.js';
import { parseBody, readBody, requestTarget, sendError, sendJson } from './http.js';
import { createServiceAccountToken } from './serviceAccountTokens.js';
import type { HostShells } from '../client/hostShells.js';
import type { NodeDialer } from '../client/nodeDialer.js';
import type { Registry } from './registry.js';
import type { RequestContext } from './requestContext.js';
import { parseResourcePath, type ResourceRoute } from './routes.js';
import { serveEviction } from './eviction.js';
import { serveLog } from './podLogs.js';
import { serveBinding, serveScale } from './subresources.js';
import { createUpgradeHandler, type UpgradeHandler } from './upgrade.js';
import { serveResource, verbOf } from './verbs.js';
import type { FlowControl } from './flowcontrol/FlowControl.js';
import { classify } from './flowcontrol/levels.js';

export interface HandlerDeps {
  registry: Registry;
  clock: Clock;
  log: Logger;
  dialer: NodeDialer;
  /** Undefined: every caller is the given `anonymous` identity (the UI server's in-process use). */
  authenticator?: TokenAuthenticator;
  /** The authorizer chain (Node, RBAC) and its Node graph. */
  authz: Authorization;
  serverAddress: string;
  /** The last resource-usage samples (`metrics.k8s.io`); absent: the group answers empty lists. */
  metrics?: MetricsStore;
  /** Host shells over the control plane's SSH connections (`hosts/NAME/shell`); absent: not served. */
  hostShells?: HostShells;
  /** API priority and fairness; without it every request runs at once. */
  flowControl?: FlowControl;
  /** What `/livez`, `/readyz` and `/healthz` check; default: health.ts `healthChecks` of the registry. */
  health?: Record<HealthEndpoint, HealthCheck[]>;
  /** True once the control plane has begun to stop (the default checks' `shutdown`). */
  shuttingDown?: () => boolean;
}

/** The request handler; `upgrade` serves HTTP upgrades (exec, attach, port-forward) with the same deps. */
export type Handler = ((req: IncomingMessage, res: ServerResponse, identity?: RequestContext) => void) & { upgrade?: UpgradeHandler };

/**
 * The Kubernetes REST surface: discovery, OpenAPI, version and health, then one route per resource
 * and subresource. Every failure leaves as a `Status`. Nothing here blocks: handlers are async and
 * the store is fast and local.
 */
export function createApiHandler(given: HandlerDeps): Handler {
  const deps: HandlerDeps & { health: Record<HealthEndpoint, HealthCheck[]> } = { ...given, health: given.health ?? healthChecks(given.registry, given.shuttingDown) };
  const handler: Handler = (req, res, identity) => {
    handle(req, res, deps, identity).catch((e: unknown) => {
      if (!(e instanceof Error && e.name === 'ApiError')) deps.log.warn('request failed', { method: req.method, url: req.url, error: e instanceof Error ? e.stack : String(e) });
      sendError(res, e);
    });
  };
  handler.upgrade = createUpgradeHandler(deps);
  return handler;
}

const EMPTY_METRICS = new MetricsStore();

async function handle(req: IncomingMessage, res: ServerResponse, deps: HandlerDeps & { health: Record<HealthEndpoint, HealthCheck[]> }, identity?: RequestContext): Promise<void> {
  const { pathname, query: q } = requestTarget(req.url);
  const path = pathname.replace(/\/+$/, '') || '/';

  // Health and version are open, as on a kubeadm cluster.
  const health = /^\/(livez|readyz|healthz)(?:\/(.+))?$/.exec(path);
  const endpoint = health?.[1] as HealthEndpoint | undefined;
  if (endpoint && !health?.[2]) return serveHealth(res, endpoint, deps.health[endpoint], q, deps.log);
  if (path === '/version') return sendJson(res, 200, VERSION_INFO);

  const ctx = identify(deps, req, identity);
  const route = parseResourcePath(path);
  if (!route) deps.authz.check(pathAttributes(ctx, req.method ?? 'GET', path));
  // One check by name, with its reason (system:monitoring may read these).
  if (endpoint && serveHealthCheck(res, deps.health[endpoint].find((c) => c.name === health?.[2]))) return;

  if (path === '/api') {
    if (wantsAggregated(req.headers.accept)) return sendJson(res, 200, aggregatedDiscovery(true), AGGREGATED_CT);
    return sendJson(res, 200, legacyApiVersions(deps.serverAddress));
  }
  if (path === '/apis') {
    if (wantsAggregated(req.headers.accept)) return sendJson(res, 200, aggregatedDiscovery(false), AGGREGATED_CT);
    return sendJson(res, 200, legacyGroupList());
  }
  if (path === '/openapi/v2') return sendSwagger(req, res);
  if (path === '/openapi/v3') return sendJson(res, 200, openapiIndex());
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiDocument(path.slice('/openapi/v3/'.length));
    if (!doc) throw new ApiError(404, 'NotFound', `no OpenAPI document for ${path}`);
    return sendJson(res, 200, doc);
  }
  const gv = path.match(/^\/api\/(v1)$/) ?? path.match(/^\/apis\/([^/]+)\/([^/]+)$/);
  if (gv) {
    const list = path.startsWith('/api/') ? resourceList('', gv[1] as string) : resourceList(gv[1] as string, gv[2] as string);
    if (!list) throw errors.notFound({ group: '', resource: 'groupversion', kind: 'GroupVersion' }, path);
    return sendJson(res, 200, list);
  }
  const group = path.match(/^\/apis\/([^/]+)$/);
  if (group) {
    const g = legacyGroupList().groups.find((x) => x.name === group[1]);
    if (!g) throw errors.notFound({ group: '', resource: 'group', kind: 'APIGroup' }, group[1] as string);
    return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
  }

  if (path.startsWith('/apis/metrics.k8s.io/')) {
    if (await serveMetrics(req, res, { registry: deps.registry, clock: deps.clock, metrics: deps.metrics ?? EMPTY_METRICS, authz: deps.authz }, path, q, ctx)) return;
  }

  const review = matchReview(path);
  if (review) {
    if (req.method !== 'POST') throw errors.methodNotAllowed();
    const body = await parseBody(await readBody(req), req.headers['content-type']);
    return sendJson(res, 201, serveReview(deps.authz, ctx, review.rr, review.namespace, body));
  }

  if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (route.type === 'unknown') {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${route.resource}${route.group ? '.' + route.group : ''})`);
  }
  const verb = verbOf(req.method ?? 'GET', route, q);
  deps.authz.check(resourceAttributes(ctx, verb, { group: route.r.group, resource: route.r.resource, subresource: route.subresource, namespace: route.namespace, name: route.name }, q));

  const sub = route.subresource;
  if (sub && !subresourcesOf(route.r).includes(sub)) {
    throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${route.r.resource}/${sub})`);
  }
  const serve = () => serveRoute(req, res, deps, route, q, ctx);
  // Long-running requests (watches, log streams) hold no seat, as in kube-apiserver's APF.
  if (!deps.flowControl || verb === 'watch' || sub === 'log') return serve();
  return deps.flowControl.run(classify(ctx), serve);
}

async function serveRoute(req: IncomingMessage, res: ServerResponse, deps: HandlerDeps, route: ResourceRoute, q: URLSearchParams, ctx: RequestContext): Promise<void> {
  const sub = route.subresource;
  switch (sub) {
    case undefined:
    case 'status':
    case 'ephemeralcontainers':
      return serveResource(req, res, deps, route, q, ctx);
    case 'scale':
      return serveScale(req, res, deps, route, q, ctx);
    case 'binding':
      return serveBinding(req, res, deps, route);
    case 'eviction':
      return serveEviction(req, res, deps, route, ctx);
    case 'log':
      return serveLog(req, res, deps, route, q);
    case 'token': {
      if (req.method !== 'POST') throw errors.methodNotAllowed();
      const body = await parseBody(await readBody(req), req.headers['content-type']);
      admitTokenRequest(ctx, route.namespace as string, route.name as string, body, deps.authz.graph);
      return sendJson(res, 201, await createServiceAccountToken(deps.registry, deps.clock, route.namespace as string, route.name as string, body));
    }
    case 'shell':
      throw errors.badRequest('hosts/shell is served only as a WebSocket upgrade (v5.channel.k8s.io)');
    default:
      throw errors.badRequest(`the ${sub} subresource is not served yet`);
  }
}

let swaggerProtobuf: Buffer | undefined;

/** `/openapi/v2`: gnostic's protobuf when asked for it (client-go, kubectl), else JSON. */
function sendSwagger(req: IncomingMessage, res: ServerResponse): void {
  const accept = req.headers.accept ?? '';
  if (!OPENAPI_V2_PROTOBUF_ASKED.some((t) => accept.includes(t))) return sendJson(res, 200, swaggerDocument());
  swaggerProtobuf ??= encodeSwagger(swaggerDocument());
  res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': swaggerProtobuf.length });
  res.end(swaggerProtobuf);
}
