import { hasPodIP, peerKey, selects, type AddressGroup, type NamedPort } from '../../api/addressGroup.js';
import type { Pod } from '../../api/types.js';
import { formatCidr, parseCidr, within, type Cidr } from '../../util/cidr.js';
import { hashBase32 } from '../hostnet/names.js';
import type { Rule } from '../hostnet/types.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from './types.js';

/**
 * NetworkPolicies + this node's Pods + the policies' AddressGroups -> the node's NetworkPolicy
 * rules (pure), with Kubernetes' semantics:
 * - a pod is isolated for ingress (egress) when some policy of its namespace selects it and lists
 *   `Ingress` (`Egress`) in `policyTypes` (the API defaults them); an isolated pod accepts
 *   (sends) only what some rule of some such policy allows (the union); others are not touched;
 * - a rule with no peers allows every address, with no ports every port; a peer is a podSelector
 *   (pods of the policy's namespace), a namespaceSelector (every pod there), both (pods matching
 *   the one in namespaces matching the other), or an ipBlock (`cidr` minus `except`). Selector
 *   peers are resolved by the control plane (the policy's AddressGroup, `api/addressGroup.ts`): a
 *   peer the group does not list yet (a policy just changed) matches nothing until it does;
 * - a named port is the port of that name and protocol on the destination pod (the selected local
 *   pod for ingress, each peer pod for egress, as its AddressGroup address publishes it); an
 *   ipBlock or "every address" destination has no container ports, so a named egress port matches
 *   only pods;
 * - replies and related packets of allowed connections pass (conntrack `ESTABLISHED,RELATED`).
 *
 * Rules go into the filter table, reached from the node's `DU` chain (linked from Docker's
 * DOCKER-USER, which Docker keeps ahead of its own ACCEPTs) and first from its `FWD`: `NP` sends each
 * packet from a local isolated-for-egress pod to its `NP-E-` chain and each packet to a local
 * isolated-for-ingress pod to its `NP-I-` chain. Those RETURN what is allowed (so traffic between
 * two local pods passes the sender's egress and then the receiver's ingress chain) and DROP the
 * rest. Pods are matched by IP, one rule per (peer address, port): no ipsets, so the whole set
 * lives in the one atomic `iptables-restore` the component already applies, and the component
 * needs nothing beyond iptables (see docs/compat.md for the cost at scale).
 *
 * Only forwarded traffic is filtered: packets between a pod and its own node (kubelet probes, the
 * node-local DNS, the API relay) are always allowed, as Kubernetes allows node-to-pod traffic.
 */
export interface NetPolInput {
  node: string;
  policies: readonly NetworkPolicy[];
  /** The pods bound to this node (others are ignored): the ones policies may select here. */
  pods: readonly Pod[];
  /** The AddressGroups of the policies (same namespace/name): their selector peers' addresses. */
  groups: readonly AddressGroup[];
}

export interface NetPolRules {
  rules: Rule[];
  /** Local pods isolated for ingress / egress, `ns/name`, for logs and the UI. */
  isolated: { ingress: string[]; egress: string[] };
  /** What a policy asks that cannot be enforced as written, one sentence each, for a Warning event. */
  warnings: { policy: string; message: string }[];
}

/** A peer address: a CIDR/IP, or a pod (its IP, and its container ports for named ports); `any` = every address. */
type Peer = { kind: 'any' } | { kind: 'cidr'; cidr: string } | { kind: 'pod'; ip: string; ports: readonly NamedPort[] };
interface Match {
  protocol?: 'tcp' | 'udp' | 'sctp';
  dport?: number;
  dportEnd?: number;
}

export const NP_CHAIN = 'NP';

export function buildNetPolRules(input: NetPolInput): NetPolRules {
  const rules: Rule[] = [];
  const warnings: NetPolRules['warnings'] = [];
  const isolated: NetPolRules['isolated'] = { ingress: [], egress: [] };
  const groups = new Map(input.groups.map((g) => [`${g.metadata.namespace ?? ''}/${g.metadata.name ?? ''}`, g]));
  const local = input.pods.filter((p) => hasPodIP(p) && p.spec.nodeName === input.node).sort((a, b) => key(a).localeCompare(key(b)));
  const policies = [...input.policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
  const warned = new Set<string>();
  const warn = (policy: string, message: string) => {
    if (warned.has(`${policy}\n${message}`)) return;
    warned.add(`${policy}\n${message}`);
    warnings.push({ policy, message });
  };

  // From DOCKER-USER (`DU`): Docker accepts traffic between containers of a bridge before FORWARD
  // reaches the node's own link; from `FWD` too, for hosts where Docker leaves iptables alone.
  rules.push({ table: 'filter', chain: 'DU', comment: 'skiff network policies', target: { kind: 'jump', chain: NP_CHAIN } });
  rules.push({ table: 'filter', chain: 'FWD', comment: 'skiff network policies', target: { kind: 'jump', chain: NP_CHAIN } });
  rules.push({ table: 'filter', chain: NP_CHAIN, comment: 'replies of allowed connections', ctstate: ['ESTABLISHED', 'RELATED'], target: { kind: 'RETURN' } });
  const entry: Rule[] = [];
  const chains: Rule[] = [];

  for (const dir of ['egress', 'ingress'] as const) {
    const type = dir === 'ingress' ? 'Ingress' : 'Egress';
    for (const pod of local) {
      const selecting = policies.filter((p) => p.metadata.namespace === pod.metadata.namespace && (p.spec?.policyTypes ?? ['Ingress']).includes(type) && selects(p.spec?.podSelector ?? {}, pod.metadata.labels));
      if (!selecting.length) continue;
      isolated[dir].push(key(pod));
      const ip = pod.status?.podIP as string;
      const chain = `NP-${dir === 'ingress' ? 'I' : 'E'}-${hashBase32(`${key(pod)}/${ip}`, 8)}`;
      entry.push({ table: 'filter', chain: NP_CHAIN, comment: comment(`${key(pod)} ${dir}`), ...(dir === 'ingress' ? { destination: ip } : { source: ip }), target: { kind: 'jump', chain } });
      const seen = new Set<string>();
      const ownPorts = containerPorts(pod);
      for (const policy of selecting) {
        const pk = policyKey(policy);
        const list = dir === 'ingress' ? (policy.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (policy.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
        for (const rule of list) {
          const peers = rule.peers?.length ? rule.peers.flatMap((p) => resolvePeer(p, groups.get(pk), (m) => warn(pk, m))) : [{ kind: 'any' } as const];
          const ports = rule.ports?.length ? rule.ports : [undefined];
          for (const peer of peers) {
            for (const port of ports) {
              // The destination's container ports name the port: the selected pod's for ingress, the peer's for egress.
              const target = dir === 'ingress' ? ownPorts : peer.kind === 'pod' ? peer.ports : undefined;
              const m = portMatch(port, target);
              if (!m) continue;
              const addr = peer.kind === 'any' ? undefined : peer.kind === 'cidr' ? peer.cidr : peer.ip;
              const r: Rule = { table: 'filter', chain, comment: comment(`${pk} ${dir}`), ...(addr ? (dir === 'ingress' ? { source: addr } : { destination: addr }) : {}), ...m, target: { kind: 'RETURN' } };
              const id = JSON.stringify([r.source, r.destination, r.protocol, r.dport, r.dportEnd]);
              if (seen.has(id)) continue;
              seen.add(id);
              chains.push(r);
            }
          }
        }
      }
      chains.push({ table: 'filter', chain, comment: comment(`${key(pod)} ${dir} not allowed by any NetworkPolicy`), target: { kind: 'DROP' } });
    }
  }
  rules.push(...entry, ...chains);
  return { rules, isolated, warnings };
}

function resolvePeer(peer: NetworkPolicyPeer, group: AddressGroup | undefined, warn: (m: string) => void): Peer[] {
  if (peer.ipBlock) {
    try {
      const outer = parseCidr(peer.ipBlock.cidr);
      const except = (peer.ipBlock.except ?? []).map((c) => parseCidr(c));
      return subtract(outer, except).map((c) => ({ kind: 'cidr', cidr: formatCidr(c) }));
    } catch (e) {
      // IPv6 blocks pass validation upstream; Skiff's pod network is IPv4 only, so they match nothing here.
      warn(`ipBlock ${peer.ipBlock.cidr} is ignored: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
  if (!peer.podSelector && !peer.namespaceSelector) return [];
  const k = peerKey(peer);
  const resolved = group?.peers?.find((p) => peerKey(p) === k);
  return (resolved?.addresses ?? []).map((a) => ({ kind: 'pod', ip: a.ip, ports: a.ports ?? [] }));
}

/** A local pod's container ports by name (a named ingress port is the selected pod's). */
function containerPorts(pod: Pod): NamedPort[] {
  return [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].flatMap((c) => c.ports ?? []).flatMap((cp) => (cp.name ? [{ name: cp.name, protocol: cp.protocol ?? 'TCP', port: cp.containerPort }] : []));
}

/** The match for one port entry; undefined when it names a port `target` does not have (it matches nothing). */
function portMatch(port: NetworkPolicyPort | undefined, target: readonly NamedPort[] | undefined): Match | undefined {
  if (!port) return {};
  const protocol = (port.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
  if (port.port === undefined) return { protocol };
  if (typeof port.port === 'number') return { protocol, dport: port.port, ...(port.endPort !== undefined && port.endPort > port.port ? { dportEnd: port.endPort } : {}) };
  const named = port.port;
  const found = target?.find((cp) => cp.name === named && cp.protocol === (port.protocol ?? 'TCP'));
  return found ? { protocol, dport: found.port } : undefined;
}

/** `outer` minus every block of `except`, as the fewest CIDRs (except blocks are inside `outer` by validation). */
export function subtract(outer: Cidr, except: readonly Cidr[]): Cidr[] {
  if (except.some((e) => within(outer, e))) return [];
  if (!except.some((e) => within(e, outer))) return [outer];
  const half = 2 ** (31 - outer.prefix);
  const lo = { base: outer.base, prefix: outer.prefix + 1 };
  const hi = { base: outer.base + half, prefix: outer.prefix + 1 };
  return [...subtract(lo, except), ...subtract(hi, except)];
}

function key(p: Pod): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

function policyKey(p: NetworkPolicy): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

/** The component takes comments of at most 200 characters. */
function comment(text: string): string {
  return text.slice(0, 200);
}
