import type { PodNetworkBackend } from '../../api/clusterNetwork.js';

/**
 * The privileged host component's interface ("hostnet"): the only code that changes a host's
 * routes, network devices, sysctls and packet-filter rules. The agent sends it declarative desired
 * state; it converges to exactly that, idempotently, and touches only what it owns:
 * - iptables chains named `SK<tag>-...` (tag: 6 characters derived from the node's name; see
 *   `ownerTag`), linked from the built-in chains by rules that jump to them; nothing else in any
 *   table is read for ownership or changed;
 * - routes with protocol 83 and the node's own metric (see `routeMetric`);
 * - the VXLAN device `skv<tag>`, the WireGuard device `skw<tag>` (the kernel's, or a tun device
 *   served by a `wireguard-go` process, which exits when its device is deleted), and the sysctls
 *   they need (forwarding, bridge netfilter), which it
 *   sets but never resets (Docker needs them too);
 * - the ports it holds open (node ports), closed when no longer wanted.
 * Values arrive typed and are validated again by the component (`validate.ts`): they reach
 * `iptables-restore` and `ip` as argument vectors or restore-file lines it renders itself, never
 * through a shell.
 */
export interface HostNet {
  /**
   * Converges to `d`: sysctls, the VXLAN device (only while some peer needs it), routes to each
   * peer's pod CIDR, and the rule set (one `iptables-restore --noflush` of the node's chains: all
   * or nothing), then links the node's entry chains from the built-in ones. Stale chains and routes
   * of the node go. Calls are serialized; a failed apply leaves the previous rules in place.
   */
  apply(d: HostNetDesired): Promise<ApplyResult>;
  /**
   * Holds exactly these ports open on every address (TCP listen / UDP bind), as kube-proxy holds
   * node ports, so no other program can take one the rules send elsewhere. Ports already held
   * stay held; ports no longer listed are closed. A port another program holds is reported busy.
   */
  holdPorts(node: string, ports: HeldPort[]): Promise<PortsResult>;
  /** Removes every chain, link, route and device of `node`, and closes its ports. Idempotent. */
  cleanup(node: string): Promise<CleanupResult>;
  /** What the host offers: the iptables flavour, `ip`, conntrack; what is missing, as sentences. */
  check(): Promise<HostCheck>;
}

/** Desired host networking of one node. */
export interface HostNetDesired {
  node: string;
  clusterCIDR: string;
  /** This node's address: where peers send its pods' traffic (the VXLAN endpoint too). */
  nodeIP: string;
  /** This node's pod CIDR, once the control plane assigned one (its VXLAN device's address). */
  podCIDR?: string;
  /** The bridge of this node's pod network, once it exists: the host routes the pod CIDR to it. */
  podBridge?: string;
  backend: PodNetworkBackend;
  /**
   * With backend `auto`: the networks pod traffic may cross in the clear (the cluster's
   * `trustedNetworks`). Unset: directly connected networks only. See `planRoutes`.
   */
  trustedNetworks?: string[];
  /** VXLAN network identifier and UDP port (flannel's 8472), the same on every node of a cluster. */
  vxlan: { vni: number; port: number; mtu?: number };
  /**
   * With backend `wireguard` (and `auto`, for the peers beyond trusted networks): the node's device settings. `privateKey` (base64, 32 bytes) is the
   * node's own, generated on the node (agent data dir, 0600); it reaches `wg` in a 0600 file
   * removed at once, never an argument or a log line, and nothing returns it.
   */
  wireguard?: { port: number; privateKey: string; mtu?: number };
  /** Every other node with a pod CIDR: its pods are reached through it. */
  peers: Peer[];
  rules: Rule[];
}

export interface Peer {
  node: string;
  podCIDR: string;
  nodeIP: string;
  /** Its WireGuard public key (its Node's annotation), once it published one. */
  publicKey?: string;
}

export type Table = 'nat' | 'filter';

/** The built-in chains the component links each table's node entry chain from. */
export const HOOKS: Readonly<Record<Table, Readonly<Record<string, string>>>> = {
  nat: { PREROUTING: 'PRE', OUTPUT: 'OUT', POSTROUTING: 'POST' },
  filter: { FORWARD: 'FWD', INPUT: 'IN', OUTPUT: 'OUT' },
};

/**
 * Chains not built in, linked like the hooks above only where they exist: Docker's `DOCKER-USER`,
 * which Docker keeps first in FORWARD (it re-inserts its jumps, and its per-network ACCEPT rules,
 * above ours whenever it creates a network). Rules that must see pod-to-pod traffic before Docker
 * accepts it (NetworkPolicy) go in `DU`; on a host without Docker's rules, `FWD` sees it anyway.
 */
export const OPTIONAL_HOOKS: Readonly<Record<Table, Readonly<Record<string, string>>>> = {
  nat: {},
  filter: { 'DOCKER-USER': 'DU' },
};

/**
 * One packet-filter rule in one of the node's chains. Chain names (`chain`, `jump`, `recent.name`)
 * are the part after the node's prefix: `SVCS` becomes `SKABCDEF-SVCS`.
 */
export interface Rule {
  table: Table;
  chain: string;
  comment?: string;
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** An address or CIDR; `!` when `notSource`. */
  source?: string;
  notSource?: boolean;
  destination?: string;
  notDestination?: boolean;
  dport?: number;
  /** With `dport`: the last port of a range (`--dport dport:dportEnd`), as NetworkPolicy's `endPort`. */
  dportEnd?: number;
  srcType?: 'LOCAL';
  notSrcType?: boolean;
  dstType?: 'LOCAL';
  ctstate?: ('NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID')[];
  /** Matches when `packet mark & mask == value` (or not). */
  mark?: { value: number; mask: number; not?: boolean };
  /** `-m statistic --mode random --probability p`. */
  probability?: number;
  /** `-m recent`: remember the source (`set`) or match a source seen within `seconds` (`rcheck`). */
  recent?: { name: string; op: 'set' } | { name: string; op: 'rcheck'; seconds: number };
  target: Target;
}

export type Target =
  | { kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'MASQUERADE' }
  | { kind: 'REJECT' }
  | { kind: 'jump'; chain: string }
  | { kind: 'DNAT'; to: string }
  | { kind: 'MARK'; or: number }
  | { kind: 'MARK'; xor: number };

export interface HeldPort {
  port: number;
  protocol: 'TCP' | 'UDP';
  /** Who wants it (a Service), for messages. */
  owner: string;
}

export interface PortsResult {
  held: HeldPort[];
  busy: (HeldPort & { error: string })[];
}

export interface PeerRoute {
  peer: string;
  podCIDR: string;
  mode: 'host-gw' | 'vxlan' | 'wireguard';
  /** Why the route could not be installed (the peer is not directly reachable for host-gw, a conflicting route...). */
  error?: string;
}

export interface ApplyResult {
  routes: PeerRoute[];
  chains: number;
  rules: number;
  /** Which iptables the host runs (`nf_tables` or `legacy`). */
  iptables: string;
  /** Host settings the component could not make (a kernel module missing...), as sentences. */
  warnings: string[];
  /** The node's WireGuard device, while the backend is `wireguard`. */
  wireguard?: WireGuardState;
  /** Where this apply's time went, in ms by step (`iptables`, `conntrack`, `routes`; `routes` absent when skipped). */
  phaseMs?: Record<string, number>;
}

/** What a node's WireGuard device is and runs on. */
export interface WireGuardState {
  device: string;
  /** The kernel's `wireguard` link type, or the userspace `wireguard-go` (a tun device) where the kernel has none. */
  implementation: 'kernel' | 'wireguard-go';
  publicKey: string;
  port: number;
}

export interface CleanupResult {
  chains: number;
  links: number;
  routes: number;
  devices: number;
  ports: number;
}

export interface HostCheck {
  ok: boolean;
  /** e.g. `iptables v1.8.9 (nf_tables)`. */
  iptables?: string;
  conntrack: boolean;
  /** What the `wireguard` backend would use: `wg` (wireguard-tools) and `wireguard-go`, when installed. Optional for other backends. */
  wireguard: { wg: boolean; wireguardGo: boolean };
  /** One sentence per missing requirement. */
  missing: string[];
}

/** Marks the rules use: masquerade on the way out; drop (the nat table cannot drop itself). */
export const MASQ_MARK = 0x400000;
export const DROP_MARK = 0x800000;
/** The route protocol number Skiff's routes carry (`ip route ... proto 83`). */
export const ROUTE_PROTO = 83;
/** flannel's VXLAN port on Linux; the VNI is derived from the cluster CIDR. */
export const VXLAN_PORT = 8472;
/** WireGuard's overhead on IPv4 is 60 bytes; 80 leaves room for an IPv6 underlay, as wg-quick's 1420 does. */
export const WIREGUARD_OVERHEAD = 80;
/** Keeps NAT and stateful-firewall mappings between nodes open (wg's customary 25 s). */
export const WIREGUARD_KEEPALIVE_S = 25;
