import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Interfaces that are never the host's own address: engine bridges and container veths. */
const VIRTUAL = /^(docker\d*|br-|veth|cni|flannel|virbr|lo)/;

/**
 * The host's primary IPv4: the address of the interface holding the default route (as the kubelet
 * picks its InternalIP), else the first non-loopback, non-bridge IPv4, else 127.0.0.1.
 * `routeTable` and `interfaces` are injectable for tests.
 */
export function primaryIPv4(
  routeTable: string | undefined = readRoutes(),
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  const v4 = (name: string) => (interfaces[name] ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const defaultIface = routeTable ? defaultRouteInterface(routeTable) : undefined;
  const viaRoute = defaultIface ? v4(defaultIface) : undefined;
  if (viaRoute) return viaRoute;
  for (const name of Object.keys(interfaces)) {
    if (VIRTUAL.test(name)) continue;
    const a = v4(name);
    if (a) return a;
  }
  return '127.0.0.1';
}

/** `/proc/net/route`: the interface of the lowest-metric route to 0.0.0.0/0. */
export function defaultRouteInterface(table: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [iface, dest, , , , , metric, mask] = f;
    if (!iface || dest !== '00000000' || mask !== '00000000') continue;
    const m = Number(metric ?? 0);
    if (!best || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

function readRoutes(): string | undefined {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return undefined;
  }
}
