import type { DiscoveryEndpointSlice, Service, ServicePort } from '../../api/types.js';
import { DROP_MARK, MASQ_MARK, type HeldPort, type Rule, type Target } from '../hostnet/types.js';
import { hashBase32 } from '../hostnet/names.js';
import { formatCidr, isIPv4, parseCidrLoose } from '../../util/cidr.js';

/** What the rules need to know about the node they are for. */
export interface ProxyNode {
  name: string;
  clusterCIDR: string;
  /** This node's pod CIDR, once assigned: its pods' traffic leaving the cluster is masqueraded. */
  podCIDR?: string;
  /**
   * This node's addresses. A LoadBalancer's port is opened here only when one of them is in the
   * Service's ingress (ServiceLB leaves out a node whose port a pod's hostPort holds, as k3s' svclb
   * pod cannot run there). Unknown (undefined): opened whenever the Service has an address.
   */
  addresses?: readonly string[];
}

export interface ProxyInput {
  node: ProxyNode;
  services: readonly Service[];
  slices: readonly DiscoveryEndpointSlice[];
  /** Node/LoadBalancer ports (`30080/TCP`) another program holds on this host: not routed here. */
  busyPorts?: ReadonlySet<string>;
}

export interface ProxyRules {
  rules: Rule[];
  /** Fields of Services these rules do not act on, one sentence each, for a Warning event on the Service. */
  warnings: { service: string; message: string }[];
  /** Ports to hold open: every node port, and every LoadBalancer port (ServiceLB opens them on every node). */
  ports: HeldPort[];
}

/** One endpoint of one Service port. */
export interface Backend {
  ip: string;
  port: number;
  local: boolean;
}

const DEFAULT_AFFINITY_SECONDS = 10_800;
const ACCEPT: Target = { kind: 'ACCEPT' };
const jump = (chain: string): Target => ({ kind: 'jump', chain });

/**
 * Services + EndpointSlices + this node -> the node's packet-filter rules, as kube-proxy's
 * iptables proxier builds them (pure; the host component renders and applies them atomically).
 *
 * nat: `PRE`/`OUT` (linked from PREROUTING/OUTPUT) -> `SVCS`: per Service port, its cluster IP
 * (marked for masquerade unless from a pod) to the internal policy chain, each LoadBalancer ingress
 * address to the external chain `X-`, and last, local destinations to `NODEPORTS` (node ports, and
 * LoadBalancer ports, which ServiceLB opens on every node). `C-` picks among all ready endpoints,
 * `L-` among this node's (`internalTrafficPolicy`/`externalTrafficPolicy: Local`), with equal
 * probability and `sessionAffinity: ClientIP` by `-m recent`; `E-` marks hairpin traffic and
 * DNATs. `POST` masquerades marked traffic and pod traffic leaving the cluster CIDR (pods reach
 * each other unNATed). filter: `FWD` accepts the cluster's traffic (FORWARD's policy is DROP under
 * Docker) and what the nat rules marked; `SVCS` rejects new connections to Services with no
 * endpoint (and drops those with no local one), before they time out.
 *
 * Only ready endpoints get traffic (`conditions.ready` absent counts as ready, as the API says), so
 * a pod that stops being ready or goes away gets no new connections once the rules are applied.
 */
export function buildProxyRules(input: ProxyInput): ProxyRules {
  const { node } = input;
  const rules: Rule[] = [];
  const ports: HeldPort[] = [];
  const warnings: ProxyRules['warnings'] = [];
  const nat = (chain: string, r: Omit<Rule, 'table' | 'chain'>) => rules.push({ table: 'nat', chain, ...r });
  const filter = (chain: string, r: Omit<Rule, 'table' | 'chain'>) => rules.push({ table: 'filter', chain, ...r });
  const cluster = node.clusterCIDR;

  // Entry chains (the component links them from the built-in chains).
  nat('PRE', { comment: 'skiff service portals', target: jump('SVCS') });
  nat('OUT', { comment: 'skiff service portals', target: jump('SVCS') });
  if (node.podCIDR) nat('POST', { comment: 'pod traffic leaving the cluster', source: node.podCIDR, destination: cluster, notDestination: true, target: { kind: 'MASQUERADE' } });
  nat('POST', { mark: { value: MASQ_MARK, mask: MASQ_MARK, not: true }, target: { kind: 'RETURN' } });
  nat('POST', { target: { kind: 'MARK', xor: MASQ_MARK } });
  nat('POST', { comment: 'skiff service traffic requiring SNAT', target: { kind: 'MASQUERADE' } });
  nat('MASQ', { target: { kind: 'MARK', or: MASQ_MARK } });
  nat('DROP', { target: { kind: 'MARK', or: DROP_MARK } });

  filter('FWD', { comment: 'dropped by the service rules', mark: { value: DROP_MARK, mask: DROP_MARK }, target: { kind: 'DROP' } });
  filter('FWD', { ctstate: ['NEW'], target: jump('SVCS') });
  filter('FWD', { comment: 'skiff forwarding rules', mark: { value: MASQ_MARK, mask: MASQ_MARK }, target: ACCEPT });
  filter('FWD', { comment: 'pod traffic', source: cluster, target: ACCEPT });
  filter('FWD', { comment: 'pod traffic', destination: cluster, target: ACCEPT });
  filter('FWD', { comment: 'skiff forwarding conntrack rule', ctstate: ['RELATED', 'ESTABLISHED'], target: ACCEPT });
  filter('IN', { mark: { value: DROP_MARK, mask: DROP_MARK }, target: { kind: 'DROP' } });
  filter('IN', { ctstate: ['NEW'], target: jump('SVCS') });
  filter('OUT', { ctstate: ['NEW'], target: jump('SVCS') });

  const bySvc = groupSlices(input.slices);
  const nodePortRules: Omit<Rule, 'table' | 'chain'>[] = [];
  const services = [...input.services].sort((a, b) => key(a).localeCompare(key(b)));
  for (const svc of services) {
    const clusterIP = svc.spec.clusterIP;
    if (!clusterIP || clusterIP === 'None' || svc.spec.type === 'ExternalName') continue;
    const slices = bySvc.get(key(svc)) ?? [];
    for (const message of unsupported(svc)) warnings.push({ service: key(svc), message });
    for (const sp of svc.spec.ports ?? []) {
      const protocol = (sp.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
      const name = `${key(svc)}${sp.name ? `:${sp.name}` : ''}`;
      const id = servicePortId(key(svc), sp);
      const all = backends(slices, sp, node.name);
      const local = all.filter((b) => b.local);
      const itpLocal = svc.spec.internalTrafficPolicy === 'Local';
      const externalIPs = (Array.isArray(svc.spec.externalIPs) ? svc.spec.externalIPs : []).filter((ip): ip is string => typeof ip === 'string' && isIPv4(ip));
      const external = svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer' || externalIPs.length > 0;
      const etpLocal = external && svc.spec.externalTrafficPolicy === 'Local';
      const internal = itpLocal ? local : all;
      const affinity = svc.spec.sessionAffinity === 'ClientIP' ? affinitySeconds(svc) : undefined;
      const chains = { C: `C-${id}`, L: `L-${id}`, X: `X-${id}`, F: `F-${id}` };
      const used = new Set<'C' | 'L'>();
      const policyChain = (which: 'C' | 'L') => {
        used.add(which);
        return chains[which];
      };

      // Cluster IP.
      const dst = { protocol, destination: `${clusterIP}/32`, dport: sp.port };
      if (internal.length) {
        nat('SVCS', { comment: `${name} cluster IP`, ...dst, source: cluster, notSource: true, target: jump('MASQ') });
        nat('SVCS', { comment: `${name} cluster IP`, ...dst, target: jump(policyChain(itpLocal ? 'L' : 'C')) });
      } else if (all.length === 0) {
        filter('SVCS', { comment: `${name} has no endpoints`, ...dst, target: { kind: 'REJECT' } });
      } else {
        filter('SVCS', { comment: `${name} has no local endpoints`, ...dst, target: { kind: 'DROP' } });
      }

      // Node ports and ServiceLB ports, on this node's addresses; LoadBalancer addresses from anywhere.
      if (external) {
        const entries: { port: number; what: string }[] = [];
        if (sp.nodePort) entries.push({ port: sp.nodePort, what: 'node port' });
        const ingress = svc.spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip) : [];
        // Its port is opened on the nodes its ingress names; traffic from here to the others' addresses is still routed.
        const lbHere = ingress.length > 0 && (node.addresses === undefined || ingress.some((ip) => node.addresses?.includes(ip)));
        if (lbHere) entries.push({ port: sp.port, what: 'load balancer' });
        const open = entries.filter((e) => !input.busyPorts?.has(`${e.port}/${sp.protocol ?? 'TCP'}`));
        const lbRoutes = open.some((e) => e.what === 'load balancer') || (ingress.length > 0 && !lbHere);
        for (const e of entries) ports.push({ port: e.port, protocol: (sp.protocol ?? 'TCP') === 'UDP' ? 'UDP' : 'TCP', owner: `Service ${key(svc)} (${e.what} ${e.port}/${sp.protocol ?? 'TCP'})` });
        if ((open.length || externalIPs.length || lbRoutes) && all.length > 0) {
          if (etpLocal) {
            // Pods and this host may use any endpoint; outside clients keep their address and only local ones serve them.
            nat(chains.X, { comment: `pod traffic for ${name} external destinations`, source: cluster, target: jump(policyChain('C')) });
            nat(chains.X, { comment: `masquerade LOCAL traffic for ${name} external destinations`, srcType: 'LOCAL', target: jump('MASQ') });
            nat(chains.X, { comment: `route LOCAL traffic for ${name} external destinations`, srcType: 'LOCAL', target: jump(policyChain('C')) });
            if (local.length) nat(chains.X, { target: jump(policyChain('L')) });
            else nat(chains.X, { comment: `${name} has no local endpoints`, target: jump('DROP') });
          } else {
            nat(chains.X, { comment: 'masquerade traffic for external destinations', target: jump('MASQ') });
            nat(chains.X, { target: jump(policyChain('C')) });
          }
          // loadBalancerSourceRanges: the LoadBalancer port passes a firewall chain first (kube-proxy's KUBE-FW-, klipper-lb's SRC_RANGES); node ports do not.
          const ranges = sourceRanges(svc);
          const lbTarget = ranges ? chains.F : chains.X;
          for (const e of open) nodePortRules.push({ comment: name, protocol, dport: e.port, target: jump(e.what === 'load balancer' ? lbTarget : chains.X) });
          if (lbRoutes) {
            for (const ip of ingress) nat('SVCS', { comment: `${name} loadbalancer IP`, protocol, destination: `${ip}/32`, dport: sp.port, target: jump(lbTarget) });
            if (ranges) {
              for (const r of ranges) nat(chains.F, { comment: `${name} loadbalancer source range`, source: r, target: jump(chains.X) });
              // The nodes themselves (their addresses are the LoadBalancer's) may always reach it, as kube-proxy lets the LB IP hairpin.
              for (const ip of ingress) nat(chains.F, { comment: `${name} from a node`, source: `${ip}/32`, target: jump(chains.X) });
              nat(chains.F, { comment: `${name} source not in loadBalancerSourceRanges`, target: jump('DROP') });
            }
          }
        } else if (open.length) {
          for (const e of open) filter('SVCS', { comment: `${name} has no endpoints`, protocol, dstType: 'LOCAL', dport: e.port, target: { kind: 'REJECT' } });
        }
        // externalIPs: traffic to these addresses (routed to some node by the network) is the Service's.
        for (const ip of externalIPs) {
          if (all.length) nat('SVCS', { comment: `${name} external IP`, protocol, destination: `${ip}/32`, dport: sp.port, target: jump(chains.X) });
          else filter('SVCS', { comment: `${name} has no endpoints`, protocol, destination: `${ip}/32`, dport: sp.port, target: { kind: 'REJECT' } });
        }
      }

      // Policy chains: an equal chance per endpoint, a client sticking to its endpoint with affinity.
      for (const which of used) {
        const list = which === 'C' ? all : local;
        const chain = chains[which];
        const epChain = (b: Backend) => endpointChain(id, b);
        if (affinity !== undefined) for (const b of list) nat(chain, { comment: name, recent: { name: epChain(b), op: 'rcheck', seconds: affinity }, target: jump(epChain(b)) });
        list.forEach((b, i) => {
          const last = i === list.length - 1;
          nat(chain, { comment: `${name} -> ${b.ip}:${b.port}`, ...(last ? {} : { probability: 1 / (list.length - i) }), target: jump(epChain(b)) });
        });
      }
      const seen = new Set<string>();
      for (const which of used) {
        for (const b of which === 'C' ? all : local) {
          const chain = endpointChain(id, b);
          if (seen.has(chain)) continue;
          seen.add(chain);
          nat(chain, { comment: name, source: `${b.ip}/32`, target: jump('MASQ') });
          nat(chain, { comment: name, protocol, ...(affinity !== undefined ? { recent: { name: chain, op: 'set' as const } } : {}), target: { kind: 'DNAT', to: `${b.ip}:${b.port}` } });
        }
      }
    }
  }
  // After every cluster IP: anything else for this host is a node port.
  for (const r of nodePortRules) nat('NODEPORTS', r);
  nat('SVCS', { comment: 'skiff service nodeports; NOTE: this must be the last rule in this chain', dstType: 'LOCAL', target: jump('NODEPORTS') });
  return { rules, ports, warnings };
}

/** Service fields the proxy does not enforce (said once per Service, never silently ignored). */
function unsupported(svc: Service): string[] {
  const out: string[] = [];
  const families = svc.spec.ipFamilies;
  if (Array.isArray(families) && families.includes('IPv6')) out.push('IPv6 Service addresses are not routed: Skiff\'s pod network and service proxy are IPv4 only');
  const bad = (Array.isArray(svc.spec.externalIPs) ? svc.spec.externalIPs : []).filter((ip) => typeof ip !== 'string' || !isIPv4(ip));
  if (bad.length) out.push(`spec.externalIPs ${JSON.stringify(bad)} are not IPv4 addresses and are not routed`);
  return out;
}

/**
 * The Service's `loadBalancerSourceRanges` as CIDRs (space-padding trimmed, as kube-apiserver allows).
 * Undefined when unrestricted. IPv6 ranges are left out (the proxy serves IPv4 clients only), so a
 * list of IPv6 ranges alone admits no IPv4 client.
 */
export function sourceRanges(svc: Service): string[] | undefined {
  const raw = Array.isArray(svc.spec.loadBalancerSourceRanges) ? svc.spec.loadBalancerSourceRanges : [];
  if (svc.spec.type !== 'LoadBalancer' || raw.length === 0) return undefined;
  const out: string[] = [];
  for (const r of raw) {
    const c = typeof r === 'string' ? parseCidrLoose(r) : undefined;
    // Not an IPv4 block (an IPv6 range; a value stored before validation checked it): no IPv4 source matches it.
    if (c) out.push(formatCidr(c));
  }
  return out;
}

/** The 12 characters naming one Service port's chains (`C-`, `L-`, `X-`), stable across restarts. */
export function servicePortId(svcKey: string, sp: Pick<ServicePort, 'name' | 'protocol'>): string {
  return hashBase32(`${svcKey}:${sp.name ?? ''}/${sp.protocol ?? 'TCP'}`, 12);
}

/** The chain of one endpoint of one Service port. */
export function endpointChain(id: string, b: Pick<Backend, 'ip' | 'port'>): string {
  return `E-${hashBase32(`${id}:${b.ip}:${b.port}`, 12)}`;
}

function key(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;
}

function affinitySeconds(svc: Service): number {
  const cfg = svc.spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: number } } | undefined;
  const t = cfg?.clientIP?.timeoutSeconds;
  return typeof t === 'number' && t > 0 ? t : DEFAULT_AFFINITY_SECONDS;
}

/** Slices by `namespace/service`, from the `kubernetes.io/service-name` label. */
export function groupSlices(slices: readonly DiscoveryEndpointSlice[]): Map<string, DiscoveryEndpointSlice[]> {
  const out = new Map<string, DiscoveryEndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc || s.addressType !== 'IPv4') continue;
    const k = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = out.get(k) ?? [];
    list.push(s);
    out.set(k, list);
  }
  return out;
}

/**
 * The ready endpoints of one Service port, deduplicated and sorted: a slice's port with the same
 * name and protocol gives the endpoint port (as the EndpointSlice API pairs them).
 */
export function backends(slices: readonly DiscoveryEndpointSlice[], sp: ServicePort, nodeName: string): Backend[] {
  const out = new Map<string, Backend>();
  const protocol = sp.protocol ?? 'TCP';
  for (const s of slices) {
    const port = (s.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === protocol)?.port;
    if (!port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const ip = e.addresses[0];
      if (!ip) continue;
      out.set(`${ip}:${port}`, { ip, port, local: e.nodeName === nodeName });
    }
  }
  return [...out.values()].sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port);
}
