import type { Node, Service, ServicePort } from '../../../orchestrator/api/types.js';
import type { IngressInfo } from '../../graph/ingresses.js';

/** One way a Service answers: where, and a URL to open when it is plainly HTTP. */
export interface Answer {
  via: 'cluster IP' | 'node port' | 'load balancer' | 'external IP' | 'ingress';
  /** `10.96.0.12:80/TCP`, `shop.example/api` ... */
  address: string;
  /** Which node, or which Ingress. */
  detail?: string;
  url?: string;
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
