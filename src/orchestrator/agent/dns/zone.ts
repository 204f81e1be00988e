import type { Answer, RecordType, SrvAnswer, StringAnswer } from 'dns-packet';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';
import { isIPv4 } from '../../util/cidr.js';
import { groupSlices } from '../proxy/rules.js';

/** CoreDNS's `ttl 30` in the kubernetes plugin, as kubeadm's and k3s' Corefiles set it. */
export const CLUSTER_TTL = 30;
/** How long a resolver may cache "no such name" for cluster names (the SOA minimum; CoreDNS uses its ttl). */
export const NEGATIVE_TTL = 5;

/** What the cluster zone says about one question. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  /** Records for the targets of SRV answers (CoreDNS adds them to the additional section). */
  additionals: Answer[];
  /** An ExternalName Service's target, still to be resolved for the question's type (inside or outside the cluster). */
  chase?: string;
}

/** The Service and endpoint facts the zone is built from. */
export interface ZoneInput {
  services: readonly Service[];
  slices: readonly DiscoveryEndpointSlice[];
  /** The cluster domain, `cluster.local` unless set. */
  domain?: string;
}

interface Node {
  a: string[];
  aaaa: string[];
  srv: { port: number; target: string }[];
  cname?: string;
}

/**
 * The cluster's DNS records (the Kubernetes DNS specification, as CoreDNS's kubernetes plugin
 * answers it), built once from Services and EndpointSlices and then answered from memory:
 * - `svc.ns.svc.<domain>`: A/AAAA = the cluster IPs; for a headless Service, one record per
 *   ready endpoint (every endpoint with `publishNotReadyAddresses`, which the endpoints controller
 *   already marks ready); ExternalName = a CNAME to `spec.externalName`;
 * - `<hostname>.svc.ns.svc.<domain>` for a headless Service's endpoints: the endpoint's hostname
 *   (a pod whose `hostname` is set and whose `subdomain` names the Service: StatefulSet pods) or its
 *   address with dashes;
 * - `_port._proto.svc.ns.svc.<domain>` SRV for each named port, to the Service (or each endpoint);
 * - PTR for cluster IPs and headless endpoint addresses;
 * - `a-b-c-d.ns.pod.<domain>` A (CoreDNS's `pods insecure`, what kubeadm configures);
 * - any other name under the domain: NXDOMAIN (NODATA for names that exist with other types).
 * Names outside the domain, and reverse names of addresses it does not know, are not its own:
 * `lookup` returns undefined and the server forwards them.
 */
export class ClusterZone {
  readonly domain: string;
  private readonly nodes = new Map<string, Node>();
  /** Names that exist (with records or below them): NODATA rather than NXDOMAIN. */
  private readonly exists = new Set<string>();
  private readonly ptr = new Map<string, string[]>();

  constructor(input: ZoneInput) {
    this.domain = (input.domain ?? 'cluster.local').toLowerCase();
    this.build(input);
  }

  /** Answers `name` (any case, with or without the final dot) for `type`; undefined when the name is not the cluster's. */
  lookup(qname: string, type: RecordType | string): ZoneAnswer | undefined {
    const name = normalize(qname);
    if (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa')) {
      const targets = this.ptr.get(name);
      if (!targets) return undefined;
      return ok(type === 'PTR' ? targets.map((t) => rr(name, 'PTR', t)) : []);
    }
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return undefined;
    const pod = this.podRecord(name);
    if (pod) return ok(type === 'A' ? [rr(name, 'A', pod)] : []);
    const node = this.nodes.get(name);
    if (node?.cname) {
      if (type === 'CNAME') return ok([rr(name, 'CNAME', node.cname)]);
      return { ...ok([rr(name, 'CNAME', node.cname)]), chase: node.cname };
    }
    if (!node) return this.exists.has(name) ? ok([]) : { rcode: 'NXDOMAIN', answers: [], additionals: [] };
    switch (type) {
      case 'A':
        return ok(node.a.map((ip) => rr(name, 'A', ip)));
      case 'AAAA':
        return ok(node.aaaa.map((ip) => rr(name, 'AAAA', ip)));
      case 'SRV': {
        const weight = node.srv.length ? Math.floor(100 / node.srv.length) : 0;
        const answers: SrvAnswer[] = node.srv.map((s) => ({ name, type: 'SRV', class: 'IN', ttl: CLUSTER_TTL, data: { priority: 0, weight, port: s.port, target: s.target } }));
        const additionals: Answer[] = [];
        for (const t of new Set(node.srv.map((s) => s.target))) {
          const n = this.nodes.get(t);
          for (const ip of n?.a ?? []) additionals.push(rr(t, 'A', ip));
          for (const ip of n?.aaaa ?? []) additionals.push(rr(t, 'AAAA', ip));
        }
        return { rcode: 'NOERROR', answers, additionals };
      }
      default:
        return ok([]);
    }
  }

  /** The SOA record negative answers carry (CoreDNS's shape for the cluster zone). */
  soa(): Answer {
    return {
      name: this.domain,
      type: 'SOA',
      class: 'IN',
      ttl: NEGATIVE_TTL,
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: NEGATIVE_TTL },
    };
  }

  private podRecord(name: string): string | undefined {
    const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\.([a-z0-9-]+)\.pod\./.exec(name);
    if (!m || name !== `${m[0]}${this.domain}`) return undefined;
    const ip = m.slice(1, 5).join('.');
    return isIPv4(ip) ? ip : undefined;
  }

  private build(input: ZoneInput): void {
    const d = this.domain;
    const slicesBySvc = groupSlices(input.slices);
    this.mark(`svc.${d}`);
    this.mark(`pod.${d}`);
    for (const svc of input.services) {
      const ns = (svc.metadata.namespace ?? 'default').toLowerCase();
      const base = `${(svc.metadata.name ?? '').toLowerCase()}.${ns}.svc.${d}`;
      this.mark(base);
      this.mark(`${ns}.pod.${d}`);
      if (svc.spec.type === 'ExternalName') {
        if (typeof svc.spec.externalName === 'string' && svc.spec.externalName) this.node(base).cname = normalize(svc.spec.externalName);
        continue;
      }
      const ips = (svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
      if (ips.length) {
        const n = this.node(base);
        for (const ip of ips) {
          (isIPv4(ip) ? n.a : n.aaaa).push(ip);
          this.addPtr(ip, base);
        }
        for (const sp of svc.spec.ports ?? []) if (sp.name) this.node(srvName(sp.name, sp.protocol, base)).srv.push({ port: sp.port, target: base });
        continue;
      }
      // Headless: the endpoints themselves.
      const seen = new Set<string>();
      for (const slice of slicesBySvc.get(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`) ?? []) {
        for (const ep of slice.endpoints ?? []) {
          if (ep.conditions?.ready === false && svc.spec.publishNotReadyAddresses !== true) continue;
          for (const ip of ep.addresses) {
            const label = (ep.hostname ?? dashed(ip)).toLowerCase();
            const epName = `${label}.${base}`;
            if (seen.has(epName)) continue;
            seen.add(epName);
            const v4 = isIPv4(ip);
            (v4 ? this.node(base).a : this.node(base).aaaa).push(ip);
            (v4 ? this.node(epName).a : this.node(epName).aaaa).push(ip);
            this.addPtr(ip, epName);
            for (const p of slice.ports ?? []) if (p.name && p.port) this.node(srvName(p.name, p.protocol, base)).srv.push({ port: p.port, target: epName });
          }
        }
      }
    }
    for (const n of this.nodes.values()) {
      n.a.sort(byAddress);
      n.srv.sort((x, y) => x.target.localeCompare(y.target) || x.port - y.port);
    }
  }

  private node(name: string): Node {
    let n = this.nodes.get(name);
    if (!n) {
      n = { a: [], aaaa: [], srv: [] };
      this.nodes.set(name, n);
      this.mark(name);
    }
    return n;
  }

  /** `name` and every name between it and the domain exist (empty non-terminals answer NODATA). */
  private mark(name: string): void {
    for (let n = name; n.length >= this.domain.length && !this.exists.has(n); n = n.slice(n.indexOf('.') + 1)) {
      this.exists.add(n);
      if (n === this.domain || !n.includes('.')) break;
    }
  }

  private addPtr(ip: string, target: string): void {
    const r = reverseName(ip);
    if (!r) return;
    const list = this.ptr.get(r) ?? [];
    if (!list.includes(target)) list.push(target);
    this.ptr.set(r, list);
  }
}

function ok(answers: Answer[]): ZoneAnswer {
  return { rcode: 'NOERROR', answers, additionals: [] };
}

function rr(name: string, type: 'A' | 'AAAA' | 'PTR' | 'CNAME', data: string): StringAnswer {
  return { name, type, class: 'IN', ttl: CLUSTER_TTL, data };
}

function srvName(port: string, protocol: string | undefined, base: string): string {
  return `_${port.toLowerCase()}._${(protocol ?? 'TCP').toLowerCase()}.${base}`;
}

/** Lower case, no final dot. */
export function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function dashed(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

function byAddress(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** `10.96.0.10` -> `10.0.96.10.in-addr.arpa`; IPv6 -> nibbles under `ip6.arpa`. */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (!ip.includes(':')) return undefined;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) return undefined;
  const nibbles = groups.map((g) => g.padStart(4, '0')).join('').split('');
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
