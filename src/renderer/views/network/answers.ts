import type { Node, Service, ServicePort } from '../../../orchestrator/api/types.js';
import { isRecord } from '../../api/guards.js';

/** The parts of a networking.k8s.io/v1 Ingress the UI reads (validated from JSON by `parseIngresses`). */
export interface IngressInfo {
  name: string;
  namespace: string;
  /** Hosts its TLS section covers: those are served over https. */
  tlsHosts: string[];
  /** Its own addresses (`status.loadBalancer.ingress`), for rules without a host. */
  addresses: string[];
  routes: { host?: string; path: string; pathType: string; service: string; port: number | string | undefined }[];
}

/** One way a Service answers: where, and a URL to open when it is plainly HTTP. */
export interface Answer {
  via: 'cluster IP' | 'node port' | 'load balancer' | 'external IP' | 'ingress';
  /** `10.96.0.12:80/TCP`, `shop.example/api` ... */
  address: string;
  /** Which node, or which Ingress. */
  detail?: string;
  url?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function backendOf(b: unknown): { service: string; port: number | string | undefined } | undefined {
  const svc = isRecord(b) && isRecord(b.service) ? b.service : undefined;
  const name = str(svc?.name);
  if (!svc || !name) return undefined;
  const port = isRecord(svc.port) ? (typeof svc.port.number === 'number' ? svc.port.number : str(svc.port.name)) : undefined;
  return { service: name, port };
}

/** Reads an IngressList; anything malformed is left out rather than guessed at. */
export function parseIngresses(list: unknown): IngressInfo[] {
  const out: IngressInfo[] = [];
  for (const item of isRecord(list) ? arr(list.items) : []) {
    if (!isRecord(item) || !isRecord(item.metadata) || !isRecord(item.spec)) continue;
    const name = str(item.metadata.name);
    if (!name) continue;
    const namespace = str(item.metadata.namespace) ?? '';
    const spec = item.spec;
    const routes: IngressInfo['routes'] = [];
    const def = backendOf(spec.defaultBackend);
    if (def) routes.push({ path: '/', pathType: 'default backend', ...def });
    for (const rule of arr(spec.rules)) {
      if (!isRecord(rule)) continue;
      const host = str(rule.host);
      for (const p of isRecord(rule.http) ? arr(rule.http.paths) : []) {
        const b = isRecord(p) ? backendOf(p.backend) : undefined;
        if (!b || !isRecord(p)) continue;
        routes.push({ ...(host ? { host } : {}), path: str(p.path) ?? '/', pathType: str(p.pathType) ?? 'ImplementationSpecific', ...b });
      }
    }
    const tlsHosts = arr(spec.tls).flatMap((t) => (isRecord(t) ? arr(t.hosts).filter((h): h is string => typeof h === 'string') : []));
    const lb = isRecord(item.status) && isRecord(item.status.loadBalancer) ? arr(item.status.loadBalancer.ingress) : [];
    const addresses = lb.flatMap((i) => (isRecord(i) ? [str(i.ip) ?? str(i.hostname)].filter((a): a is string => !!a) : []));
    out.push({ name, namespace, tlsHosts, addresses, routes });
  }
  return out;
}

const proto = (p: ServicePort) => p.protocol ?? 'TCP';
const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Plainly HTTP(S): TCP on a web port or a port named/declared so. Other ports get no link (a database is not a web page). */
function webScheme(p: ServicePort, port: number): 'http' | 'https' | undefined {
  if (proto(p) !== 'TCP') return undefined;
  const app = (p as { appProtocol?: unknown }).appProtocol;
  const hint = `${p.name ?? ''} ${typeof app === 'string' ? app : ''}`.toLowerCase();
  if (hint.includes('https') || port === 443 || port === 8443) return 'https';
  if (hint.includes('http') || hint.includes('web') || [80, 8000, 8080, 3000, 5000].includes(port) || p.port === 80 || p.port === 8080) return 'http';
  return undefined;
}

function url(scheme: 'http' | 'https' | undefined, host: string, port: number): string | undefined {
  if (!scheme) return undefined;
  const dflt = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  return `${scheme}://${dflt ? (host.includes(':') ? `[${host}]` : host) : hostPort(host, port)}/`;
}

/** Does an Ingress backend's port name one of this Service's ports? (No port: the Service's only port.) */
function portMatches(svc: Service, port: number | string | undefined): boolean {
  const ports = svc.spec.ports ?? [];
  if (port === undefined) return ports.length <= 1;
  return ports.some((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

/**
 * Every address and port a Service answers on, as kube-proxy and the ingress controller serve it:
 * its cluster IPs, each node port on each node's InternalIP/ExternalIP, its load-balancer ingress
 * and external IPs, and the Ingress rules (host and path) that route to it. Ordered as listed.
 */
export function serviceAnswers(svc: Service, nodes: readonly Node[], ingresses: readonly IngressInfo[]): Answer[] {
  const out: Answer[] = [];
  const ports = svc.spec.ports ?? [];
  const ips = (svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec.clusterIP]).filter((ip): ip is string => !!ip && ip !== 'None');
  for (const ip of ips) for (const p of ports) out.push({ via: 'cluster IP', address: `${hostPort(ip, p.port)}/${proto(p)}`, ...(p.name ? { detail: p.name } : {}) });
  for (const p of ports) {
    if (!p.nodePort) continue;
    for (const n of nodes) {
      for (const a of n.status?.addresses ?? []) {
        if (a.type !== 'InternalIP' && a.type !== 'ExternalIP') continue;
        const u = url(webScheme(p, p.nodePort), a.address, p.nodePort);
        out.push({ via: 'node port', address: `${hostPort(a.address, p.nodePort)}/${proto(p)}`, detail: n.metadata.name ?? '', ...(u ? { url: u } : {}) });
      }
    }
  }
  const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).filter((a): a is string => !!a);
  const external = Array.isArray(svc.spec.externalIPs) ? svc.spec.externalIPs.filter((a): a is string => typeof a === 'string') : [];
  for (const [via, list] of [['load balancer', lb], ['external IP', external]] as const) {
    for (const addr of list) {
      for (const p of ports) {
        const u = url(webScheme(p, p.port), addr, p.port);
        out.push({ via, address: `${hostPort(addr, p.port)}/${proto(p)}`, ...(u ? { url: u } : {}) });
      }
    }
  }
  const name = svc.metadata.name;
  for (const ing of ingresses) {
    if (ing.namespace && ing.namespace !== svc.metadata.namespace) continue;
    for (const r of ing.routes) {
      if (r.service !== name || !portMatches(svc, r.port)) continue;
      const hosts = r.host ? [r.host] : ing.addresses.length ? ing.addresses : ['*'];
      for (const h of hosts) {
        const scheme = r.host && ing.tlsHosts.includes(r.host) ? 'https' : 'http';
        const path = r.path.startsWith('/') ? r.path : `/${r.path}`;
        out.push({ via: 'ingress', address: `${h}${path}`, detail: `${ing.name} (${r.pathType})`, ...(h !== '*' && !h.startsWith('*.') ? { url: `${scheme}://${h.includes(':') ? `[${h}]` : h}${path}` } : {}) });
      }
    }
  }
  return out;
}
