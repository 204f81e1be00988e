import type { NetworkPolicy, NetworkPolicyPeer } from './networkPolicy.js';
import { canonicalJson } from './podutil.js';
import { fromLabelSelector, matches, type Selector } from './selectors.js';
import type { KubeObject, LabelSelector, Namespace, Pod } from './types.js';

/** Skiff's own API group for what the control plane computes for the nodes' network policy enforcers. */
export const ADDRESS_GROUP_API = { group: 'networking.skiff.dev', version: 'v1alpha1', kind: 'AddressGroup', resource: 'addressgroups' } as const;

/**
 * `networking.skiff.dev/v1alpha1` AddressGroup: for one NetworkPolicy (same namespace and name,
 * owned by it), the pod addresses each of its pod/namespace-selector peers selects right now, as
 * Antrea's controller publishes AddressGroups. Written only by the control plane's address-group
 * controller; each node's enforcer reads it instead of watching every pod of the cluster, so a
 * node's credential sees peer IPs (and the named ports the policy asks for), never other nodes'
 * pod specs.
 */
export interface AddressGroup extends KubeObject {
  kind: 'AddressGroup';
  /** One entry per distinct selector peer of the policy's enforced directions, in peerKey order. */
  peers?: AddressGroupPeer[];
  /**
   * The nodes that need the group (Antrea's span): those running a pod the policy applies to, sorted.
   * A node's credential may list and watch only the groups whose span names it (`fieldSelector=span=<node>`).
   */
  span?: string[];
}

/** The field selector a node lists its AddressGroups with: a list field matches when it holds the value. */
export const ADDRESS_GROUP_SPAN_FIELD = 'span';

/** The nodes running a pod (not finished) that the policy applies to: its podSelector, in its namespace. */
export function groupSpan(policy: NetworkPolicy, pods: readonly Pod[]): string[] {
  const ns = policy.metadata.namespace ?? '';
  const nodes = new Set<string>();
  for (const p of pods) {
    const node = p.spec.nodeName;
    if (!node || (p.metadata.namespace ?? '') !== ns || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    if (selects(policy.spec?.podSelector ?? {}, p.metadata.labels)) nodes.add(node);
  }
  return [...nodes].sort();
}

/** A peer's selectors, as written in the policy (the agent finds its peer by {@link peerKey}), and what they select. */
export interface AddressGroupPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  /** The selected pods' IPs, sorted; pods without an IP, finished or on the host network are not peers. */
  addresses: GroupAddress[];
}

export interface GroupAddress {
  ip: string;
  /**
   * The pod's container ports that an egress rule of the policy names (`ports: [{port: http}]`
   * with this peer in `to`): the agent resolves a named egress port on the destination pod, which
   * it cannot read. Only the names the policy asks for.
   */
  ports?: NamedPort[];
}

export interface NamedPort {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

/** The identity of a selector peer within its policy (key order and absent fields do not matter). */
export function peerKey(peer: Pick<NetworkPolicyPeer, 'podSelector' | 'namespaceSelector'>): string {
  return canonicalJson({ podSelector: peer.podSelector, namespaceSelector: peer.namespaceSelector });
}

/** A pod that can be a peer: it has an IP of the pod network and is not finished. */
export function hasPodIP(p: Pod): boolean {
  return !!p.status?.podIP && !p.spec.hostNetwork && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed';
}

/** A NetworkPolicy selector: empty selects everything (unlike a workload's). */
export function selects(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return matches(fromLabelSelector(sel), labels ?? {});
}

/** A selector peer of a policy with its selectors parsed once, and the port names its egress rules ask for. */
export interface CompiledPeer {
  peer: NetworkPolicyPeer;
  /** The policy's namespace: a peer without namespaceSelector selects only there. */
  namespace: string;
  pods?: Selector;
  namespaces?: Selector;
  namedPorts: { name: string; protocol: NamedPort['protocol'] }[];
}

/** Whether a compiled peer selects `pod` (given the labels of the namespaces that exist). */
export function peerSelects(c: CompiledPeer, pod: Pod, nsLabels: ReadonlyMap<string, Record<string, string>>): boolean {
  const ns = pod.metadata.namespace ?? '';
  if (c.namespaces ? !nsLabels.has(ns) || !matches(c.namespaces, nsLabels.get(ns) ?? {}) : ns !== c.namespace) return false;
  return !c.pods || matches(c.pods, pod.metadata.labels ?? {});
}

/** The selector peers of the directions a policy enforces, deduplicated and in peerKey order, compiled. */
export function selectorPeers(policy: NetworkPolicy): CompiledPeer[] {
  const types = policy.spec?.policyTypes ?? ['Ingress'];
  const out = new Map<string, { peer: NetworkPolicyPeer; namedPorts: Map<string, { name: string; protocol: NamedPort['protocol'] }> }>();
  const add = (peers: NetworkPolicyPeer[] | undefined, ports: { port?: number | string; protocol?: NamedPort['protocol'] }[] | undefined, egress: boolean) => {
    for (const peer of peers ?? []) {
      if (peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) continue;
      const k = peerKey(peer);
      let e = out.get(k);
      if (!e) out.set(k, (e = { peer: { podSelector: peer.podSelector, namespaceSelector: peer.namespaceSelector }, namedPorts: new Map() }));
      if (!egress) continue;
      for (const p of ports ?? []) {
        if (typeof p.port === 'string') e.namedPorts.set(`${p.protocol ?? 'TCP'}/${p.port}`, { name: p.port, protocol: p.protocol ?? 'TCP' });
      }
    }
  };
  if (types.includes('Ingress')) for (const r of policy.spec?.ingress ?? []) add(r.from, r.ports, false);
  if (types.includes('Egress')) for (const r of policy.spec?.egress ?? []) add(r.to, r.ports, true);
  return [...out.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({
      peer: e.peer,
      namespace: policy.metadata.namespace ?? '',
      ...(e.peer.podSelector ? { pods: fromLabelSelector(e.peer.podSelector) } : {}),
      ...(e.peer.namespaceSelector ? { namespaces: fromLabelSelector(e.peer.namespaceSelector) } : {}),
      namedPorts: [...e.namedPorts.values()],
    }));
}

/** The peers of one policy resolved against the cluster's pods and namespaces (pure); `compiled` saves parsing again. */
export function resolveAddressGroup(policy: NetworkPolicy, pods: readonly Pod[], namespaces: readonly Namespace[], compiled = selectorPeers(policy)): AddressGroupPeer[] {
  const nsLabels = namespaceLabels(namespaces);
  const candidates = pods.filter(hasPodIP);
  return compiled.map((c) => {
    const addresses = candidates
      .filter((p) => peerSelects(c, p, nsLabels))
      .map((p): GroupAddress => {
        const ports = c.namedPorts.flatMap((np) => {
          const cp = [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])].flatMap((x) => x.ports ?? []).find((x) => x.name === np.name && (x.protocol ?? 'TCP') === np.protocol);
          return cp ? [{ name: np.name, protocol: np.protocol, port: cp.containerPort }] : [];
        });
        return { ip: p.status?.podIP as string, ...(ports.length ? { ports } : {}) };
      })
      .sort((a, b) => compareIp(a.ip, b.ip));
    return { ...c.peer, addresses: dedupe(addresses) };
  });
}

/** Namespace name -> labels. */
export function namespaceLabels(namespaces: readonly Namespace[]): Map<string, Record<string, string>> {
  return new Map(namespaces.map((n) => [n.metadata.name ?? '', n.metadata.labels ?? {}]));
}

/** Two pods never share an IP for long, but a stale and a new pod may for a moment: keep one. */
function dedupe(addresses: GroupAddress[]): GroupAddress[] {
  return addresses.filter((a, i) => i === 0 || addresses[i - 1]?.ip !== a.ip);
}

function compareIp(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  return n(a) - n(b) || (a < b ? -1 : a > b ? 1 : 0);
}
