import { contains, formatCidr, formatIPv4, overlaps, parseCidr, type Cidr } from '../../util/cidr.js';
import { routeMetric, vtepMac, vxlanDevice, wireguardDevice } from './names.js';
import { ROUTE_PROTO, WIREGUARD_KEEPALIVE_S, type HostNetDesired, type Peer, type PeerRoute } from './types.js';

/** A route of the host's main table, as `ip -j route show` prints it. */
export interface HostRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
}

/** What the host looks like, gathered by the component before planning. */
export interface RouteFacts {
  routes: HostRoute[];
  /** Peer addresses reachable without a gateway (`ip route get` names none): host-gw can use them. */
  direct: ReadonlySet<string>;
}

export interface PlannedRoute {
  dst: string;
  /** The next hop: the peer (host-gw) or its VTEP (VXLAN); none for WireGuard (a point-to-point device). */
  via?: string;
  /** Set for VXLAN routes (`dev skv… onlink`) and WireGuard routes (`dev skw…`). */
  dev?: string;
}

export interface WireGuardPlan {
  device: string;
  /** The device's own address: the node's pod CIDR's network address as a /32 (as VXLAN's), so the host's own packets to pods carry a source the peer accepts. */
  address: string;
  port: number;
  mtu?: number;
  /** Each peer: its key, where it listens, and the pod CIDR it may send from and is sent to (cryptokey routing). */
  peers: { publicKey: string; endpoint: string; allowedIPs: string; keepalive: number }[];
}

export interface VxlanPlan {
  device: string;
  /** The device's own address: the node's pod CIDR's network address, as a /32 (flannel's scheme). */
  address: string;
  mac: string;
  /** Peers reached through it: their VTEP (pod CIDR network address), its MAC, and where to send it. */
  peers: { vtep: string; mac: string; nodeIP: string }[];
}

export interface RoutePlan {
  add: PlannedRoute[];
  /** Destinations of this node's routes that are no longer wanted. */
  remove: HostRoute[];
  /** The VXLAN device when some peer needs it; undefined means it should not exist. */
  vxlan?: VxlanPlan;
  /** The WireGuard device while the backend is `wireguard` and the node has a pod CIDR; undefined means it should not exist. */
  wireguard?: WireGuardPlan;
  peers: PeerRoute[];
  /** What the plan found wrong on the host and mends (a route another program removed), as sentences. */
  warnings: string[];
}

function isOurs(r: HostRoute, metric: number): boolean {
  return (r.protocol === String(ROUTE_PROTO) || r.protocol === 'skiff') && r.metric === metric;
}

function cidrOf(dst: string): Cidr | undefined {
  if (dst === 'default') return undefined;
  try {
    return parseCidr(dst.includes('/') ? dst : `${dst}/32`);
  } catch {
    return undefined;
  }
}

/**
 * Pure: the routes (and VXLAN device) that let this node's pods reach every peer's pods, as
 * flannel's host-gw and vxlan backends do. `host-gw` routes a peer's pod CIDR via the peer's
 * address and needs the peer on a directly connected network; `vxlan` routes it via the peer's
 * VTEP over the node's VXLAN device; `wireguard` routes every peer through the node's WireGuard
 * device (needs the peer's public key); `auto` picks per peer (`peerMode`), so one node may route
 * some peers directly, some over VXLAN and the rest through WireGuard at once. A
 * peer whose pod CIDR another route already covers as specifically (not one of this node's) is not
 * routed, and says which route is in the way. Routes this node made that are no longer wanted go.
 */
export function planRoutes(d: HostNetDesired, facts: RouteFacts): RoutePlan {
  const metric = routeMetric(d.node);
  const device = vxlanDevice(d.node);
  const wgDevice = wireguardDevice(d.node);
  const add: PlannedRoute[] = [];
  const peers: PeerRoute[] = [];
  const vxPeers: VxlanPlan['peers'] = [];
  const wgPeers: WireGuardPlan['peers'] = [];
  const foreign = facts.routes.filter((r) => !isOurs(r, metric) && r.dev !== device && r.dev !== wgDevice);
  const local = d.podCIDR ? parseCidr(d.podCIDR) : undefined;
  for (const p of [...d.peers].sort((a, b) => a.node.localeCompare(b.node))) {
    const cidr = parseCidr(p.podCIDR);
    const base = { peer: p.node, podCIDR: p.podCIDR };
    if (local && overlaps(cidr, local)) {
      peers.push({ ...base, mode: 'host-gw', error: `its pod CIDR ${p.podCIDR} overlaps this node's ${d.podCIDR}` });
      continue;
    }
    const inTheWay = foreign.find((r) => {
      const c = cidrOf(r.dst);
      // A broader route (a default, a LAN) is fine: the pod CIDR route is more specific.
      return c !== undefined && overlaps(c, cidr) && c.prefix >= cidr.prefix && !(r.gateway === p.nodeIP && c.prefix === cidr.prefix);
    });
    if (inTheWay) {
      peers.push({ ...base, mode: 'host-gw', error: `the host already routes ${inTheWay.dst}${inTheWay.dev ? ` dev ${inTheWay.dev}` : ''}${inTheWay.gateway ? ` via ${inTheWay.gateway}` : ''} (proto ${inTheWay.protocol ?? 'boot'}), which overlaps its pod CIDR ${p.podCIDR}` });
      continue;
    }
    const direct = facts.direct.has(p.nodeIP);
    const mode = peerMode(d, p, direct);
    if (mode === 'wireguard') {
      const why = d.backend === 'auto' ? `pod traffic to ${p.nodeIP} leaves the trusted networks (${trustedText(d)}), so it goes through WireGuard, and ` : '';
      if (!local) {
        peers.push({ ...base, mode, error: `${why}this node has no pod CIDR yet, so its WireGuard device has no address` });
      } else if (!d.wireguard) {
        peers.push({ ...base, mode, error: `${why}this node has no WireGuard key` });
      } else if (!p.publicKey) {
        peers.push({ ...base, mode, error: `${why}node ${p.node} has not published its WireGuard public key yet` });
      } else {
        add.push({ dst: p.podCIDR, dev: wgDevice });
        wgPeers.push({ publicKey: p.publicKey, endpoint: `${p.nodeIP}:${d.wireguard.port}`, allowedIPs: p.podCIDR, keepalive: WIREGUARD_KEEPALIVE_S });
        peers.push({ ...base, mode });
      }
      continue;
    }
    if (mode === 'host-gw') {
      if (!direct) {
        peers.push({ ...base, mode, error: `${p.nodeIP} is not on a network this host is directly connected to, so host-gw cannot route to it (set SKIFF_POD_NETWORK_BACKEND to auto, vxlan or wireguard)` });
        continue;
      }
      add.push({ dst: p.podCIDR, via: p.nodeIP });
      peers.push({ ...base, mode });
      continue;
    }
    if (!local) {
      peers.push({ ...base, mode, error: "this node has no pod CIDR yet, so its VXLAN device has no address" });
      continue;
    }
    const vtep = formatIPv4(cidr.base);
    add.push({ dst: p.podCIDR, via: vtep, dev: device });
    vxPeers.push({ vtep, mac: vtepMac(cidr.base), nodeIP: p.nodeIP });
    peers.push({ ...base, mode });
  }
  const warnings: string[] = [];
  // This node's own pods: the kernel routes the pod CIDR to the bridge for as long as the bridge has
  // its address, but a program that rewrites the table (a VPN client, `ip route flush`) can take
  // that route away, and then nothing the host forwards (a pod's Service or DNS traffic after
  // DNAT) reaches a pod: it leaves by the default route. The node routes it itself until the
  // kernel's route is back (then its own goes, as any route no longer wanted).
  if (local && d.podBridge) {
    const dst = formatCidr(local);
    const toBridge = (r: HostRoute) => r.dev === d.podBridge && r.dst === dst;
    if (!facts.routes.some((r) => toBridge(r) && !isOurs(r, metric))) {
      add.push({ dst, dev: d.podBridge });
      if (!facts.routes.some((r) => toBridge(r) && isOurs(r, metric))) {
        warnings.push(`the host had no route to this node's pods (${dst} dev ${d.podBridge}; another program removed it?): added it, or Services and DNS would not reach pods here`);
      }
    }
  }
  const wanted = new Set(add.map((r) => r.dst));
  const remove = facts.routes.filter((r) => isOurs(r, metric) && !wanted.has(r.dst));
  const plan: RoutePlan = { add, remove, peers, warnings };
  if (vxPeers.length && local) plan.vxlan = { device, address: `${formatIPv4(local.base)}/32`, mac: vtepMac(local.base), peers: vxPeers };
  if ((d.backend === 'wireguard' || wgPeers.length) && d.wireguard && local) {
    plan.wireguard = { device: wgDevice, address: `${formatIPv4(local.base)}/32`, port: d.wireguard.port, ...(d.wireguard.mtu ? { mtu: d.wireguard.mtu } : {}), peers: wgPeers };
  }
  return plan;
}

/**
 * How this node reaches a peer's pods. Fixed by the backend, except `auto`: in the clear where the
 * traffic stays on trusted networks (host-gw to a directly connected peer, VXLAN to a routed one),
 * WireGuard where it would leave them. Trusted: both nodes' addresses in `trustedNetworks`; without
 * that setting, a directly connected peer (the hosts' own LAN). Both ends decide alike, since each
 * judges the pair of addresses (or the shared network) the same way.
 */
export function peerMode(d: Pick<HostNetDesired, 'backend' | 'trustedNetworks' | 'nodeIP'>, p: Pick<Peer, 'nodeIP'>, direct: boolean): PeerRoute['mode'] {
  if (d.backend !== 'auto') return d.backend;
  const trusted = d.trustedNetworks ? [d.nodeIP, p.nodeIP].every((ip) => d.trustedNetworks!.some((t) => contains(parseCidr(t), ip))) : direct;
  if (!trusted) return 'wireguard';
  return direct ? 'host-gw' : 'vxlan';
}

function trustedText(d: Pick<HostNetDesired, 'trustedNetworks'>): string {
  if (!d.trustedNetworks) return 'directly connected networks only; SKIFF_TRUSTED_NETWORKS lists others';
  return d.trustedNetworks.length ? d.trustedNetworks.join(', ') : 'none';
}

/**
 * True when `ip` lies in a route without a gateway (a directly connected network), other than the
 * pod bridges, VXLAN and WireGuard devices of Skiff nodes (`skb…`, `skv…`, `skw…`): host-gw can reach it.
 */
export function directlyConnected(ip: string, routes: readonly HostRoute[]): boolean {
  return routes.some((r) => {
    const c = cidrOf(r.dst);
    const dev = r.dev ?? '';
    return !r.gateway && c !== undefined && c.prefix < 32 && contains(c, ip) && !dev.startsWith('skb') && !dev.startsWith('skv') && !dev.startsWith('skw');
  });
}
