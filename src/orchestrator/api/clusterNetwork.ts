import { formatCidr, formatIPv4, overlaps, parseCidr, subnetCount } from '../util/cidr.js';
import type { KubeObject } from './types.js';

/**
 * The cluster's network settings: where pod and service addresses come from, and how pods on
 * different hosts reach each other. The control plane owns them (SKIFF_CLUSTER_CIDR,
 * SKIFF_SERVICE_CIDR, SKIFF_POD_NETWORK_BACKEND) and publishes them in ConfigMap
 * `kube-system/skiff-network`, which every node's agent reads (as kube-proxy reads its ConfigMap).
 */
export interface ClusterNetwork {
  /** Pod addresses of the whole cluster (kube-controller-manager's `--cluster-cidr`). */
  clusterCIDR: string;
  /** Service cluster IPs (kube-apiserver's `--service-cluster-ip-range`). */
  serviceCIDR: string;
  /** Each node's pod CIDR is a /nodeMaskSize inside the cluster CIDR (`--node-cidr-mask-size`). */
  nodeMaskSize: number;
  /**
   * How pods on different hosts reach each other: `host-gw` routes pod CIDRs via the peer's
   * address (hosts on one network), `vxlan` encapsulates (anywhere), `wireguard` sends every peer's
   * pod traffic through an encrypted WireGuard tunnel (flannel's wireguard backend; the kernel's
   * device where the kernel has it, `wireguard-go` elsewhere). `auto` chooses per peer: in the
   * clear where the traffic stays on a trusted network (host-gw to a directly connected peer, else
   * VXLAN), WireGuard where it would leave one (see `trustedNetworks`).
   */
  backend: PodNetworkBackend;
  /**
   * With backend `auto`: the networks pod traffic may cross unencrypted (SKIFF_TRUSTED_NETWORKS,
   * CIDRs). A peer is reached in the clear only when both its address and this node's lie in one of
   * them; any other peer through WireGuard. Unset: only a directly connected network (the hosts'
   * own LAN) is trusted, so every routed peer is encrypted. `0.0.0.0/0` trusts everything (host-gw
   * or VXLAN, never WireGuard: auto's behaviour before this setting).
   */
  trustedNetworks?: string[];
  /** The UDP port every node's WireGuard device listens on (SKIFF_WIREGUARD_PORT, default 51820). Optional so older settings read as the default. */
  wireguardPort?: number;
  /**
   * The ports every node's built-in ingress controller listens on for HTTP and HTTPS
   * (SKIFF_INGRESS_HTTP_PORT, SKIFF_INGRESS_HTTPS_PORT; default 80 and 443, 0 turns one off).
   * Optional so older settings read as the defaults.
   */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
}

export type PodNetworkBackend = 'auto' | 'host-gw' | 'vxlan' | 'wireguard';
export const POD_NETWORK_BACKENDS: readonly PodNetworkBackend[] = ['auto', 'host-gw', 'vxlan', 'wireguard'];

/** WireGuard's customary port (wg-quick's examples, flannel's wireguard backend). */
export const DEFAULT_WIREGUARD_PORT = 51820;

/**
 * The Node annotation carrying a node's WireGuard public key (base64, 32 bytes), set by its agent:
 * the other nodes' peers. The private key never leaves the node (flannel publishes its key in
 * `flannel.alpha.coreos.com/backend-data` the same way).
 */
export const WIREGUARD_PUBLIC_KEY_ANNOTATION = 'skiff.io/wireguard-public-key';

export const DEFAULT_CLUSTER_NETWORK: ClusterNetwork = {
  clusterCIDR: '10.42.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  nodeMaskSize: 24,
  backend: 'auto',
  ingressHttpPort: 80,
  ingressHttpsPort: 443,
  wireguardPort: DEFAULT_WIREGUARD_PORT,
};

/** The ingress ports of `n` (defaults filled in). */
export function ingressPorts(n: ClusterNetwork): { http: number; https: number } {
  return { http: n.ingressHttpPort ?? 80, https: n.ingressHttpsPort ?? 443 };
}

export const CLUSTER_NETWORK_CONFIGMAP = { namespace: 'kube-system', name: 'skiff-network' } as const;

/**
 * Checks the settings and returns them normalized; throws an Error naming the setting and what is
 * wrong: a block that does not parse, pod and service ranges that overlap, a cluster range too small
 * for one node's subnet, a service range larger than a /12 (kube-apiserver's limit) or too small.
 */
export function validateClusterNetwork(n: ClusterNetwork, names: { cluster: string; service: string; backend: string; wireguardPort?: string; trustedNetworks?: string } = { cluster: 'SKIFF_CLUSTER_CIDR', service: 'SKIFF_SERVICE_CIDR', backend: 'SKIFF_POD_NETWORK_BACKEND', wireguardPort: 'SKIFF_WIREGUARD_PORT', trustedNetworks: 'SKIFF_TRUSTED_NETWORKS' }): ClusterNetwork {
  const parse = (what: string, text: string) => {
    try {
      return parseCidr(text);
    } catch (e) {
      throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const cluster = parse(names.cluster, n.clusterCIDR);
  const service = parse(names.service, n.serviceCIDR);
  if (overlaps(cluster, service)) {
    throw new Error(`${names.cluster} (${n.clusterCIDR}) and ${names.service} (${n.serviceCIDR}) overlap: pod and service addresses must come from separate ranges`);
  }
  if (!Number.isInteger(n.nodeMaskSize) || n.nodeMaskSize < 16 || n.nodeMaskSize > 28) throw new Error(`the node pod CIDR size must be /16../28, got /${n.nodeMaskSize}`);
  if (subnetCount(cluster, n.nodeMaskSize) < 1) throw new Error(`${names.cluster} (${n.clusterCIDR}) is smaller than one node's /${n.nodeMaskSize} pod subnet`);
  if (service.prefix < 12) throw new Error(`${names.service} (${n.serviceCIDR}) is larger than a /12, the largest service range Kubernetes allows`);
  if (service.prefix > 28) throw new Error(`${names.service} (${n.serviceCIDR}) is smaller than a /28: too few service addresses`);
  const ports = ingressPorts(n);
  for (const [what, v] of [['SKIFF_INGRESS_HTTP_PORT', ports.http], ['SKIFF_INGRESS_HTTPS_PORT', ports.https]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${what} must be a port number 0..65535 (0 turns it off), got ${JSON.stringify(v)}`);
  }
  const wg = n.wireguardPort ?? DEFAULT_WIREGUARD_PORT;
  if (!Number.isInteger(wg) || wg < 1 || wg > 65535) throw new Error(`${names.wireguardPort ?? 'SKIFF_WIREGUARD_PORT'} must be a port number 1..65535, got ${JSON.stringify(n.wireguardPort)}`);
  if (ports.http !== 0 && ports.http === ports.https) throw new Error(`SKIFF_INGRESS_HTTP_PORT and SKIFF_INGRESS_HTTPS_PORT are both ${ports.http}: the ingress needs two ports`);
  if (!POD_NETWORK_BACKENDS.includes(n.backend)) throw new Error(`${names.backend} must be one of ${POD_NETWORK_BACKENDS.join(', ')}, got ${JSON.stringify(n.backend)}`);
  const trusted = n.trustedNetworks?.map((t) => formatCidr(parse(`${names.trustedNetworks ?? 'SKIFF_TRUSTED_NETWORKS'} entry ${JSON.stringify(t)}`, t)));
  return { ...n, ...(trusted ? { trustedNetworks: trusted } : {}) };
}

/** The first address of the service range: the `kubernetes` Service's cluster IP (10.96.0.1 by default). */
export function firstServiceIP(serviceCIDR: string): string {
  return formatIPv4(parseCidr(serviceCIDR).base + 1);
}

/** The tenth address of the service range: the `kube-dns` Service's cluster IP, every pod's nameserver (10.96.0.10 by default, as kubeadm and k3s). */
export function clusterDNSIP(serviceCIDR: string): string {
  return formatIPv4(parseCidr(serviceCIDR).base + 10);
}

/** The cluster's DNS domain (the kubelet's `--cluster-domain`). */
export const CLUSTER_DOMAIN = 'cluster.local';

/**
 * The port every node's agent serves cluster DNS on (UDP and TCP), at its pod bridge's gateway
 * address: the `kube-dns` Service's endpoints (53 -> here). Above 1024 so an agent that is not
 * root can bind it; the service rules translate the port.
 */
export const DNS_LISTEN_PORT = 10053;

/** The ConfigMap that publishes the settings to every node. */
export function clusterNetworkConfigMap(n: ClusterNetwork): KubeObject & { data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER_NETWORK_CONFIGMAP.name, namespace: CLUSTER_NETWORK_CONFIGMAP.namespace, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
    data: {
      clusterCIDR: n.clusterCIDR,
      serviceCIDR: n.serviceCIDR,
      nodeMaskSize: String(n.nodeMaskSize),
      backend: n.backend,
      ingressHttpPort: String(ingressPorts(n).http),
      ingressHttpsPort: String(ingressPorts(n).https),
      wireguardPort: String(n.wireguardPort ?? DEFAULT_WIREGUARD_PORT),
      ...(n.trustedNetworks ? { trustedNetworks: n.trustedNetworks.join(',') } : {}),
    },
  };
}

/** Reads the ConfigMap back; throws when it is missing a field or holds a bad value. */
export function clusterNetworkFromConfigMap(cm: KubeObject): ClusterNetwork {
  const data = (cm as { data?: Record<string, string> }).data ?? {};
  const name = `ConfigMap ${CLUSTER_NETWORK_CONFIGMAP.namespace}/${CLUSTER_NETWORK_CONFIGMAP.name}`;
  const n: ClusterNetwork = {
    clusterCIDR: data.clusterCIDR ?? '',
    serviceCIDR: data.serviceCIDR ?? '',
    nodeMaskSize: Number(data.nodeMaskSize ?? DEFAULT_CLUSTER_NETWORK.nodeMaskSize),
    backend: (data.backend ?? 'auto') as PodNetworkBackend,
    ingressHttpPort: Number(data.ingressHttpPort ?? 80),
    ingressHttpsPort: Number(data.ingressHttpsPort ?? 443),
    wireguardPort: Number(data.wireguardPort ?? DEFAULT_WIREGUARD_PORT),
    ...(data.trustedNetworks !== undefined ? { trustedNetworks: parseNetworkList(data.trustedNetworks) } : {}),
  };
  return validateClusterNetwork(n, { cluster: `${name} clusterCIDR`, service: `${name} serviceCIDR`, backend: `${name} backend`, wireguardPort: `${name} wireguardPort`, trustedNetworks: `${name} trustedNetworks` });
}

/** A comma- or space-separated list of CIDRs (SKIFF_TRUSTED_NETWORKS, the ConfigMap's `trustedNetworks`), unchecked. */
export function parseNetworkList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * The port every node's agent listens on at its pod bridge's gateway address, relaying to the API
 * server (through the SSH tunnel on a host): the `kubernetes` Service's endpoints. 6443, as
 * kube-apiserver's secure port.
 */
export const API_RELAY_PORT = 6443;
