import { createHash } from 'node:crypto';

/**
 * Names of what a node owns on its host, all derived from the node's name, so the agent, the
 * component and the cleanup after a crash agree without any state file. Several nodes may share
 * one network namespace (the desktop's tests run one local node per control plane on one machine):
 * each has its own tag, so none ever touches another's rules, routes or devices.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (no padding) of the SHA-256 of `text`, first `n` characters. */
export function hashBase32(text: string, n: number): string {
  const bytes = createHash('sha256').update(text).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < n) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= n) break;
  }
  return out;
}

/** Six characters naming the node in chain and device names. */
export function ownerTag(node: string): string {
  return hashBase32(`skiff-node:${node}`, 6);
}

/** Every chain of the node starts with this (`SK` + tag); iptables allows 28 characters in all. */
export function chainPrefix(node: string): string {
  return `SK${ownerTag(node)}`;
}

/** The full name of one of the node's chains (`SVCS` -> `SKABCDEF-SVCS`). */
export function chainName(node: string, suffix: string): string {
  return `${chainPrefix(node)}-${suffix}`;
}

/** The node's VXLAN device. */
export function vxlanDevice(node: string): string {
  return `skv${ownerTag(node).toLowerCase()}`;
}

/** The node's WireGuard device (kernel link, or wireguard-go's tun device). */
export function wireguardDevice(node: string): string {
  return `skw${ownerTag(node).toLowerCase()}`;
}

/** The metric of the node's routes: with protocol 83 it says which routes are this node's. */
export function routeMetric(node: string): number {
  const h = createHash('sha256').update(`skiff-route:${node}`).digest().readUInt32BE(0);
  return 1_000_000 + (h % 1_000_000);
}

/** The VXLAN network id of a cluster: the same on every node (derived from the cluster CIDR), 1..2^24-2. */
export function vxlanVni(clusterCIDR: string): number {
  const h = createHash('sha256').update(`skiff-vni:${clusterCIDR}`).digest().readUInt32BE(0);
  return 1 + (h % 0xfffffe);
}

/** A VTEP's MAC address, derived from its pod CIDR (locally administered): peers need no annotation to know it. */
export function vtepMac(podCIDRBase: number): string {
  const b = [0x02, 0x53, podCIDRBase >>> 24, (podCIDRBase >>> 16) & 255, (podCIDRBase >>> 8) & 255, podCIDRBase & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
