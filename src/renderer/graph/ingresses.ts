import type { KubeObject } from '../../orchestrator/api/types.js';
import { isRecord } from '../api/guards.js';

/** The parts of a networking.k8s.io/v1 Ingress the UI reads (validated from JSON by `parseIngress`). */
export interface IngressInfo {
  name: string;
  namespace: string;
  /** `spec.ingressClassName`, when set. */
  className?: string;
  /** Hosts its TLS section covers: those are served over https. */
  tlsHosts: string[];
  /** Its own addresses (`status.loadBalancer.ingress`), for rules without a host. */
  addresses: string[];
  routes: { host?: string; path: string; pathType: string; service: string; port: number | string | undefined }[];
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

/** Reads one Ingress; anything malformed is left out rather than guessed at (undefined: not an Ingress at all). */
export function parseIngress(item: unknown): IngressInfo | undefined {
  if (!isRecord(item) || !isRecord(item.metadata) || !isRecord(item.spec)) return undefined;
  const name = str(item.metadata.name);
  if (!name) return undefined;
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
  const className = str(spec.ingressClassName);
  return { name, namespace, ...(className ? { className } : {}), tlsHosts, addresses, routes };
}

/** Reads an IngressList. */
export function parseIngresses(list: unknown): IngressInfo[] {
  return (isRecord(list) ? arr(list.items) : []).map(parseIngress).filter((i): i is IngressInfo => i !== undefined);
}

/** Watched objects are replaced, never edited: each version is read once. */
const infoCache = new WeakMap<KubeObject, IngressInfo | null>();

/** `parseIngress` of a watched Ingress, once per object version. */
export function ingressInfoOf(obj: KubeObject): IngressInfo | undefined {
  let info = infoCache.get(obj);
  if (info === undefined) infoCache.set(obj, (info = parseIngress(obj) ?? null));
  return info ?? undefined;
}
