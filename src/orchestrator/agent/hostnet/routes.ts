import { runOk, type CommandRunner } from './exec.js';
import { routeMetric, vxlanDevice } from './names.js';
import type { HostRoute, RoutePlan, VxlanPlan } from './routePlan.js';
import { ROUTE_PROTO, type HostNetDesired, type WireGuardState } from './types.js';
import { ensureWireGuard, removeWireGuard } from './wireguard.js';

/**
 * Carries out a route plan with `ip` and `bridge` (iproute2): the VXLAN device, its neighbour and
 * forwarding entries, and the node's routes (protocol 83, the node's metric). Every command is an
 * argument vector of validated values.
 */

function parseJson(text: string, what: string): unknown[] {
  if (!text.trim()) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v : [];
  } catch {
    throw new Error(`cannot read the output of ${what}: ${text.slice(0, 200)}`);
  }
}

/** The main routing table. */
export async function readRoutes(run: CommandRunner): Promise<HostRoute[]> {
  const out = parseJson(await runOk(run, 'ip', ['-j', 'route', 'show', 'table', 'main']), 'ip -j route show');
  return out.flatMap((raw) => {
    const r = raw as Record<string, unknown>;
    if (typeof r.dst !== 'string') return [];
    const route: HostRoute = { dst: r.dst };
    if (typeof r.gateway === 'string') route.gateway = r.gateway;
    if (typeof r.dev === 'string') route.dev = r.dev;
    if (typeof r.protocol === 'string') route.protocol = r.protocol;
    if (typeof r.metric === 'number') route.metric = r.metric;
    return [route];
  });
}

interface VxlanLink {
  id?: number;
  local?: string;
  port?: number;
  mtu?: number;
  up: boolean;
  address?: string;
}

async function readVxlan(run: CommandRunner, device: string): Promise<VxlanLink | undefined> {
  const r = await run.run('ip', ['-d', '-j', 'link', 'show', 'dev', device]);
  if (r.code !== 0) return undefined;
  const [raw] = parseJson(r.stdout, 'ip -d -j link show') as Record<string, unknown>[];
  if (!raw) return undefined;
  const info = ((raw.linkinfo as Record<string, unknown> | undefined)?.info_data ?? {}) as Record<string, unknown>;
  return {
    ...(typeof info.id === 'number' ? { id: info.id } : {}),
    ...(typeof info.local === 'string' ? { local: info.local } : {}),
    ...(typeof info.port === 'number' ? { port: info.port } : {}),
    ...(typeof raw.mtu === 'number' ? { mtu: raw.mtu } : {}),
    ...(typeof raw.address === 'string' ? { address: raw.address } : {}),
    up: Array.isArray(raw.flags) && raw.flags.includes('UP'),
  };
}

/** Makes the node's VXLAN device match the plan (created, or re-created when its identity changed), or removes it. */
async function ensureVxlan(run: CommandRunner, d: HostNetDesired, plan: VxlanPlan | undefined): Promise<void> {
  const device = vxlanDevice(d.node);
  const have = await readVxlan(run, device);
  if (!plan) {
    if (have) await runOk(run, 'ip', ['link', 'del', 'dev', device]);
    return;
  }
  const same = have && have.id === d.vxlan.vni && have.local === d.nodeIP && have.port === d.vxlan.port && have.address === plan.mac;
  if (have && !same) await runOk(run, 'ip', ['link', 'del', 'dev', device]);
  if (!same) {
    await runOk(run, 'ip', ['link', 'add', device, 'address', plan.mac, 'type', 'vxlan', 'id', String(d.vxlan.vni), 'local', d.nodeIP, 'dstport', String(d.vxlan.port), 'nolearning']);
  }
  if (d.vxlan.mtu && have?.mtu !== d.vxlan.mtu) await runOk(run, 'ip', ['link', 'set', 'dev', device, 'mtu', String(d.vxlan.mtu)]);
  await runOk(run, 'ip', ['addr', 'replace', plan.address, 'dev', device]);
  if (!same || !have?.up) await runOk(run, 'ip', ['link', 'set', 'dev', device, 'up']);
  // Each peer's VTEP: its MAC (neighbour) and where its frames go (forwarding database).
  for (const p of plan.peers) {
    await runOk(run, 'ip', ['neigh', 'replace', p.vtep, 'lladdr', p.mac, 'dev', device, 'nud', 'permanent']);
    await runOk(run, 'bridge', ['fdb', 'replace', p.mac, 'dev', device, 'dst', p.nodeIP, 'self', 'permanent']);
  }
  // Entries of peers that left.
  const macs = new Set(plan.peers.map((p) => p.mac));
  const fdb = parseJson((await run.run('bridge', ['-j', 'fdb', 'show', 'dev', device])).stdout, 'bridge -j fdb show') as Record<string, unknown>[];
  for (const e of fdb) {
    if (typeof e.mac === 'string' && typeof e.dst === 'string' && !macs.has(e.mac)) await run.run('bridge', ['fdb', 'del', e.mac, 'dev', device, 'dst', e.dst, 'self']);
  }
  const vteps = new Set(plan.peers.map((p) => p.vtep));
  const neigh = parseJson((await run.run('ip', ['-j', 'neigh', 'show', 'dev', device])).stdout, 'ip -j neigh show') as Record<string, unknown>[];
  for (const n of neigh) {
    if (typeof n.dst === 'string' && !vteps.has(n.dst)) await run.run('ip', ['neigh', 'del', n.dst, 'dev', device]);
  }
}

/** Applies the plan: devices first (VXLAN and WireGuard routes need them), then routes, then removals; returns the WireGuard device's state. */
export async function applyRoutes(run: CommandRunner, d: HostNetDesired, plan: RoutePlan): Promise<WireGuardState | undefined> {
  const metric = String(routeMetric(d.node));
  await ensureVxlan(run, d, plan.vxlan);
  let wireguard: WireGuardState | undefined;
  try {
    wireguard = await ensureWireGuard(run, d.node, plan.wireguard, d.wireguard?.privateKey);
  } catch (e) {
    if (d.backend !== 'auto' || !plan.wireguard) throw e;
    // auto: the peers beyond the trusted networks get no route at all (never the clear); the
    // peers on trusted networks keep theirs.
    const device = plan.wireguard.device;
    plan.add = plan.add.filter((r) => r.dev !== device);
    for (const p of plan.peers) {
      if (p.mode === 'wireguard' && !p.error) p.error = `pod traffic to it leaves the trusted networks, so it needs WireGuard, which this host cannot run: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  for (const r of plan.add) {
    const hop = r.via ? ['via', r.via, ...(r.dev ? ['dev', r.dev, 'onlink'] : [])] : r.dev ? ['dev', r.dev] : [];
    await runOk(run, 'ip', ['route', 'replace', r.dst, ...hop, 'proto', String(ROUTE_PROTO), 'metric', metric]);
  }
  for (const r of plan.remove) await run.run('ip', ['route', 'del', r.dst, 'proto', String(ROUTE_PROTO), 'metric', metric]);
  return wireguard;
}

/** Removes every route and the VXLAN and WireGuard devices of `node`; returns how many of each. */
export async function removeNodeRoutes(run: CommandRunner, node: string): Promise<{ routes: number; devices: number }> {
  const metric = routeMetric(node);
  const device = vxlanDevice(node);
  let routes = 0;
  for (const r of await readRoutes(run)) {
    if (r.protocol === String(ROUTE_PROTO) && r.metric === metric) {
      await run.run('ip', ['route', 'del', r.dst, 'proto', String(ROUTE_PROTO), 'metric', String(metric)]);
      routes++;
    }
  }
  const had = (await run.run('ip', ['link', 'show', 'dev', device])).code === 0;
  if (had) await run.run('ip', ['link', 'del', 'dev', device]);
  const wg = await removeWireGuard(run, node);
  return { routes, devices: (had ? 1 : 0) + (wg ? 1 : 0) };
}
