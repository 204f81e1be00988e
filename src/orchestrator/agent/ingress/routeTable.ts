import { resolveBackend, type Ingress, type IngressBackend, type IngressPathType } from '../../api/ingress.js';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';

/** Where a request may go: a ready endpoint (pod IP and container port) or an ExternalName's host. */
export interface Target {
  host: string;
  port: number;
}

/** A backend as routing sees it: the Service port it names and its ready targets now. */
export interface ResolvedBackend {
  /** `ns/name` of the Ingress that named it. */
  ingress: string;
  /** `ns/service:port`, for logs and the 503 body. */
  name: string;
  targets: Target[];
  /** Why it cannot route (Service missing, port unknown): such a backend answers 503. */
  error?: string;
}

export interface Route {
  ingress: string;
  /** Normalized: Prefix paths without a trailing `/` (except `/` itself). */
  path: string;
  pathType: IngressPathType;
  backend: ResolvedBackend;
}

/** A problem with one backend of one Ingress (an event on it). */
export interface BackendProblem {
  ingress: string;
  at: string;
  reason: string;
  message: string;
}

/**
 * Every served Ingress merged into one routing table, as the Ingress spec defines precedence:
 * a request's host picks the exact-host rules, else those of a matching `*.` wildcard (one DNS
 * label), else the rules without a host; among the rules of that group, the longest matching path
 * wins, `Exact` before `Prefix` at equal length, an older Ingress before a newer one. A host group
 * with no matching path falls through to the next group and then to `defaultBackend` (the oldest
 * Ingress's), else 404.
 */
export interface RouteTable {
  exact: Map<string, Route[]>;
  /** Keyed by the suffix after `*.` (`example.com` for `*.example.com`). */
  wildcard: Map<string, Route[]>;
  any: Route[];
  defaultBackend?: ResolvedBackend;
  /** TLS sections, in precedence order: `hosts` patterns (exact or `*.`) and the Secret `ns/name`. */
  tls: { hosts: string[]; secret: string }[];
  problems: BackendProblem[];
}

export type RouteDecision = { kind: 'backend'; backend: ResolvedBackend; route?: Route } | { kind: 'notFound' };

/** Builds the table from the Ingresses this controller serves (already filtered by class) and the cluster's Services and EndpointSlices. */
export function buildRouteTable(input: { ingresses: readonly Ingress[]; services: readonly Service[]; slices: readonly DiscoveryEndpointSlice[] }): RouteTable {
  const table: RouteTable = { exact: new Map(), wildcard: new Map(), any: [], tls: [], problems: [] };
  const ingresses = [...input.ingresses].sort(byAge);
  const resolve = (ing: Ingress, at: string, b: IngressBackend): ResolvedBackend => {
    const ns = ing.metadata.namespace ?? 'default';
    const key = `${ns}/${ing.metadata.name ?? ''}`;
    const r = resolveBackend(ns, b, input.services);
    const name = b.service ? `${ns}/${b.service.name}:${b.service.port?.name ?? b.service.port?.number ?? '?'}` : `${ns}/${b.resource?.kind ?? 'resource'}`;
    if (!r.ok) {
      table.problems.push({ ingress: key, at, reason: r.reason, message: `${at}: ${r.message}` });
      return { ingress: key, name, targets: [], error: r.message };
    }
    if (r.service.spec.type === 'ExternalName') return { ingress: key, name, targets: r.service.spec.externalName ? [{ host: r.service.spec.externalName, port: r.port.port }] : [] };
    return { ingress: key, name, targets: readyTargets(r.service, r.port.name ?? '', input.slices) };
  };
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace ?? 'default';
    const key = `${ns}/${ing.metadata.name ?? ''}`;
    if (ing.spec?.defaultBackend && !table.defaultBackend) table.defaultBackend = resolve(ing, 'spec.defaultBackend', ing.spec.defaultBackend);
    (ing.spec?.rules ?? []).forEach((rule, i) => {
      const host = rule.host?.toLowerCase();
      const group = !host ? table.any : host.startsWith('*.') ? getOrAdd(table.wildcard, host.slice(2)) : getOrAdd(table.exact, host);
      (rule.http?.paths ?? []).forEach((p, j) => {
        const pathType = p.pathType;
        group.push({ ingress: key, path: normalizePath(p.path, pathType), pathType, backend: resolve(ing, `spec.rules[${i}].http.paths[${j}].backend`, p.backend) });
      });
    });
    for (const t of ing.spec?.tls ?? []) if (t.secretName) table.tls.push({ hosts: (t.hosts ?? []).map((h) => h.toLowerCase()), secret: `${ns}/${t.secretName}` });
  }
  // A stable sort keeps the Ingresses' age order among equals.
  const order = (a: Route, b: Route) => b.path.length - a.path.length || (a.pathType === 'Exact' ? 0 : 1) - (b.pathType === 'Exact' ? 0 : 1);
  for (const routes of [...table.exact.values(), ...table.wildcard.values(), table.any]) routes.sort(order);
  return table;
}

/** Where a request for `host` (a Host header, with or without a port) and `path` (with or without a query) goes. */
export function routeRequest(table: RouteTable, host: string | undefined, path: string): RouteDecision {
  const h = hostOnly(host);
  const p = pathOnly(path);
  const groups: (Route[] | undefined)[] = [];
  if (h) {
    groups.push(table.exact.get(h));
    const dot = h.indexOf('.');
    if (dot > 0) groups.push(table.wildcard.get(h.slice(dot + 1)));
  }
  groups.push(table.any);
  for (const g of groups) {
    const route = g?.find((r) => pathMatches(r, p));
    if (route) return { kind: 'backend', backend: route.backend, route };
  }
  return table.defaultBackend ? { kind: 'backend', backend: table.defaultBackend } : { kind: 'notFound' };
}

/** The Secret (`ns/name`) whose certificate answers TLS for `serverName` (SNI): an exact host first, then a wildcard. */
export function tlsSecretFor(table: RouteTable, serverName: string | undefined): string | undefined {
  const name = (serverName ?? '').toLowerCase();
  if (!name) return undefined;
  const exact = table.tls.find((t) => t.hosts.includes(name));
  if (exact) return exact.secret;
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const suffix = `*.${name.slice(dot + 1)}`;
  return table.tls.find((t) => t.hosts.includes(suffix))?.secret;
}

/** Prefix matching is element-wise: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, never `/foobar`. */
export function pathMatches(r: Pick<Route, 'path' | 'pathType'>, requestPath: string): boolean {
  if (r.pathType === 'Exact') return requestPath === r.path;
  if (r.path === '/') return true;
  return requestPath === r.path || requestPath.startsWith(`${r.path}/`);
}

function normalizePath(path: string | undefined, type: IngressPathType): string {
  const p = path || '/';
  if (type === 'Exact') return p;
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}

function readyTargets(svc: Service, portName: string, slices: readonly DiscoveryEndpointSlice[]): Target[] {
  const out = new Map<string, Target>();
  for (const s of slices) {
    if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
    if (s.addressType !== 'IPv4') continue;
    const sp = (s.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (!sp?.port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const ip = e.addresses[0];
      if (ip) out.set(`${ip}:${sp.port}`, { host: ip, port: sp.port });
    }
  }
  return [...out.values()];
}

function hostOnly(host: string | undefined): string {
  const h = (host ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return (colon >= 0 ? h.slice(0, colon) : h).replace(/\.$/, '');
}

function pathOnly(path: string): string {
  const q = path.search(/[?#]/);
  const p = q >= 0 ? path.slice(0, q) : path;
  return p || '/';
}

function byAge(a: Ingress, b: Ingress): number {
  return (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b));
}

function key(i: Ingress): string {
  return `${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`;
}

function getOrAdd(m: Map<string, Route[]>, k: string): Route[] {
  let v = m.get(k);
  if (!v) {
    v = [];
    m.set(k, v);
  }
  return v;
}
