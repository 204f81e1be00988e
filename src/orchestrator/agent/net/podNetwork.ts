import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { formatCidr, gatewayOf, overlaps, parseCidr, parseIPv4 } from '../../util/cidr.js';
import { hashBase32 } from '../hostnet/names.js';
import { LABELS } from '../runtime/types.js';

/** Carries the pod CIDR on the engine's network, for a reader's benefit. */
const CIDR_LABEL = 'io.skiff.pod-cidr';

/** The Docker network of a node's pods for one pod CIDR (a new CIDR is a new network; pods move over). */
export function podNetworkName(node: string, podCIDR: string): string {
  const c = parseCidr(podCIDR);
  return `skiff-pods-${node}-${formatCidr(c).replace('/', '-')}`;
}

/** Its bridge device (Docker's `com.docker.network.bridge.name`, at most 15 characters). */
export function podBridgeName(node: string, podCIDR: string): string {
  return `skb${hashBase32(`${node}/${podCIDR}`, 8).toLowerCase()}`;
}

export class PodNetworkConflict extends Error {
  override name = 'PodNetworkConflict';
}

/**
 * The node's pod network on its Docker engine: a bridge network of its own whose subnet is the
 * node's pod CIDR and whose gateway is the CIDR's first address, created without Docker's
 * masquerade (pods reach each other unNATed; the host component masquerades only traffic leaving
 * the cluster). Pods' sandboxes join it, so each pod's address comes from the node's CIDR. A subnet
 * another Docker network or a host route already covers is refused with a message naming it.
 */
export class PodNetwork {
  constructor(
    private readonly docker: Docker,
    private readonly node: string,
  ) {}

  /** Creates the network for `podCIDR` if missing; returns its name, bridge and gateway. */
  async ensure(podCIDR: string, mtu: number): Promise<{ name: string; bridge: string; gateway: string }> {
    const name = podNetworkName(this.node, podCIDR);
    const bridge = podBridgeName(this.node, podCIDR);
    const gateway = gatewayOf(parseCidr(podCIDR));
    const have = await this.inspect(name);
    if (have) return { name, bridge, gateway };
    await this.checkConflicts(podCIDR);
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: podCIDR, Gateway: gateway }] },
        Options: {
          'com.docker.network.bridge.name': bridge,
          'com.docker.network.bridge.enable_ip_masquerade': 'false',
          'com.docker.network.driver.mtu': String(mtu),
        },
        Labels: { [LABELS.managed]: 'true', [LABELS.node]: this.node, [CIDR_LABEL]: podCIDR },
      });
    } catch (e) {
      // Two agents of one node racing (a restart) both try: the other's network is as good.
      if (await this.inspect(name)) return { name, bridge, gateway };
      await this.checkConflicts(podCIDR);
      throw new PodNetworkConflict(`cannot create the pod network ${name} (${podCIDR}) on the Docker engine: ${message(e)}`);
    }
    return { name, bridge, gateway };
  }

  /** Removes the node's pod networks other than `keep` that no container uses any more. */
  async removeStale(keep: string | undefined): Promise<string[]> {
    const removed: string[] = [];
    for (const n of await this.docker.listNetworks({ filters: { label: [`${LABELS.managed}=true`, `${LABELS.node}=${this.node}`] } })) {
      if (n.Name === keep) continue;
      const full = await this.inspect(n.Name);
      if (full && Object.keys(full.Containers ?? {}).length === 0) {
        await this.docker.getNetwork(n.Id).remove();
        removed.push(n.Name);
      }
    }
    return removed;
  }

  /** Every other Docker network and host route the CIDR overlaps, as a sentence; throws when there is one. */
  private async checkConflicts(podCIDR: string): Promise<void> {
    const want = parseCidr(podCIDR);
    for (const n of await this.docker.listNetworks()) {
      for (const cfg of n.IPAM?.Config ?? []) {
        const subnet = (cfg as { Subnet?: string }).Subnet;
        if (!subnet || subnet.includes(':')) continue;
        try {
          if (overlaps(parseCidr(subnet), want)) {
            throw new PodNetworkConflict(`node ${this.node}'s pod CIDR ${podCIDR} overlaps Docker network "${n.Name}" (${subnet}) on this host: remove that network, or give the cluster another SKIFF_CLUSTER_CIDR`);
          }
        } catch (e) {
          if (e instanceof PodNetworkConflict) throw e;
        }
      }
    }
    const route = hostRoutes().find((r) => !r.iface.startsWith('skb') && !r.iface.startsWith('skv') && overlaps(r.cidr, want) && r.cidr.prefix > 0);
    if (route) {
      throw new PodNetworkConflict(`node ${this.node}'s pod CIDR ${podCIDR} overlaps this host's route to ${formatCidr(route.cidr)} (dev ${route.iface}): pods would be unreachable from there; give the cluster another SKIFF_CLUSTER_CIDR`);
    }
  }

  private async inspect(name: string): Promise<Docker.NetworkInspectInfo | undefined> {
    try {
      return await this.docker.getNetwork(name).inspect();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }
}

function message(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}

/** The host's IPv4 routes, from /proc/net/route (readable without privileges). */
function hostRoutes(): { iface: string; cidr: ReturnType<typeof parseCidr> }[] {
  let text = '';
  try {
    text = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const le = (hex: string) => {
    const n = Number.parseInt(hex, 16);
    return ((n & 255) * 2 ** 24 + ((n >>> 8) & 255) * 2 ** 16 + ((n >>> 16) & 255) * 2 ** 8 + ((n >>> 24) & 255)) >>> 0;
  };
  const out: { iface: string; cidr: ReturnType<typeof parseCidr> }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dst = le(f[1] as string);
    const mask = le(f[7] as string);
    const prefix = mask.toString(2).replace(/0/g, '').length;
    out.push({ iface: f[0] as string, cidr: { base: (dst & mask) >>> 0, prefix } });
  }
  return out;
}

/** The MTU of the interface holding `ip` (1500 when unknown). */
export function interfaceMtu(ip: string): number {
  if (parseIPv4(ip) === undefined) return 1500;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs?.some((a) => a.address === ip)) continue;
    try {
      const mtu = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
      if (Number.isInteger(mtu) && mtu >= 576) return mtu;
    } catch {
      /* not readable here */
    }
  }
  return 1500;
}
