import { DEFAULT_CLUSTER_NETWORK, ingressPorts, type ClusterNetwork } from '../api/clusterNetwork.js';
import { deepEqual } from '../api/podutil.js';
import { isPodTerminal } from '../api/podutil.js';
import type { Node, Pod, Service } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { onNodeAddressChange, readyNodes, toIngress, type LoadBalancerIngress, type ReadyNode } from './nodeAddresses.js';

const COMPONENT = 'service-lb-controller';
const ALL = 'all';


/**
 * LoadBalancer Services the k3s ServiceLB way: no cloud load balancer; every node opens the
 * Service's ports on its own addresses (the agent's service proxy does that), and the Service's
 * `status.loadBalancer.ingress` lists the InternalIPs of the Ready nodes. A port can be opened once
 * per node, so a LoadBalancer whose port/protocol an older one holds (or that some Service uses as
 * its node port, or the built-in ingress controller as its HTTP/HTTPS port) gets no address and a
 * `PortInUse` Warning naming the holder, until the port is free; k3s' svclb pod stays Pending on
 * the hostPort conflict the same way, and the Service keeps no address. A pod's `hostPort` holds its
 * port on its own node only: that node's address is left out of the Service's ingress (with a
 * `PortInUse` Warning naming the pod), as k3s' svclb pod stays Pending on that node alone; the
 * agent does not route the port there either (its service proxy finds it held). Services with a
 * `loadBalancerClass` belong to another implementation and are left alone.
 */
export function startServiceLbController(ctx: ControllerContext, network: Partial<ClusterNetwork> = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const services = informers.get<Service>('services');
  const nodes = informers.get<Node>('nodes');
  const pods = informers.get<Pod>('pods');
  /** The conflict last reported per Service, so an event is recorded once per change. */
  const reported = new Map<string, string>();

  const reconcile = async (): Promise<void> => {
    const list = services.list();
    const plan = planServiceLb(list, readyNodes(nodes.list()), reservedPorts({ ...DEFAULT_CLUSTER_NETWORK, ...network }), hostPortHolders(pods.list()));
    // A Service deleted while in conflict is forgotten, so one made again with the same name is told again.
    const present = new Set(list.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    for (const key of reported.keys()) if (!present.has(key)) reported.delete(key);
    for (const svc of list) {
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      const want = plan.ingress.get(key);
      const conflict = plan.conflicts.get(key);
      if (conflict && reported.get(key) !== conflict) recorder.record(svc, 'Warning', 'PortInUse', conflict);
      if (conflict) reported.set(key, conflict);
      else reported.delete(key);
      const have = svc.status?.loadBalancer?.ingress ?? [];
      const next = want ?? [];
      // Only LoadBalancers this controller serves have their status written (or cleared when they stop being one).
      if (!want && have.length === 0) continue;
      if (!want && isForeignLb(svc)) continue;
      if (deepEqual(have, next)) continue;
      await client.updateStatus<Service>('services', { ...svc, status: { ...svc.status, loadBalancer: next.length ? { ingress: next } : {} } });
      log.info('load balancer addresses', { service: key, ingress: next.map((i) => i.ip) });
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 1, ready: informers.waitForSync(['services', 'nodes', 'pods']) });
  const kick = () => loop.enqueue(ALL);
  services.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
  // Only pods with host ports matter, and only when where they hold them changes.
  const held = (p: Pod) => JSON.stringify(isPodTerminal(p) || p.metadata.deletionTimestamp ? [] : [p.spec.nodeName, podHostPorts(p)]);
  pods.addHandlers({
    onAdd: (p) => void (podHostPorts(p).length && kick()),
    onDelete: (p) => void (podHostPorts(p).length && kick()),
    onUpdate: (o, n) => void ((podHostPorts(o).length || podHostPorts(n).length) && held(o) !== held(n) && kick()),
  });
  onNodeAddressChange(nodes, kick);
  return loop;
}

function isForeignLb(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && typeof svc.spec.loadBalancerClass === 'string' && svc.spec.loadBalancerClass !== '';
}

/** A pod's host ports as `port/PROTOCOL`. */
function podHostPorts(p: Pod): string[] {
  const out: string[] = [];
  for (const c of [...(p.spec.containers ?? []), ...(p.spec.initContainers ?? [])]) {
    for (const port of c.ports ?? []) if (port.hostPort) out.push(`${port.hostPort}/${port.protocol ?? 'TCP'}`);
  }
  return out;
}

/** Node -> `port/PROTOCOL` -> the pod whose hostPort holds it there (running or about to). */
export function hostPortHolders(list: readonly Pod[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const p of list) {
    const node = p.spec.nodeName;
    if (!node || isPodTerminal(p) || p.metadata.deletionTimestamp) continue;
    for (const port of podHostPorts(p)) {
      const m = out.get(node) ?? new Map<string, string>();
      if (!m.has(port)) m.set(port, `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`);
      out.set(node, m);
    }
  }
  return out;
}

/** Ports every node holds for something other than a Service: the built-in ingress controller's (0 = off). */
export function reservedPorts(network: ClusterNetwork): Map<string, string> {
  const { http, https } = ingressPorts(network);
  const out = new Map<string, string>();
  if (http) out.set(`${http}/TCP`, 'built-in ingress controller (its HTTP port, SKIFF_INGRESS_HTTP_PORT)');
  if (https) out.set(`${https}/TCP`, 'built-in ingress controller (its HTTPS port, SKIFF_INGRESS_HTTPS_PORT)');
  return out;
}

/**
 * Pure: which LoadBalancer Services get the node addresses, and which cannot (a port another holds:
 * `reserved` ports, `80/TCP` -> who, are held before any Service).
 * Older Services win (creation time, then namespace/name), as ServiceLB's first-come port use does.
 * A port a pod's hostPort holds (`hostPorts`, by node) leaves that node's address out.
 */
export function planServiceLb(
  list: Service[],
  nodes: readonly ReadyNode[],
  reserved: ReadonlyMap<string, string> = new Map(),
  hostPorts: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(),
): { ingress: Map<string, LoadBalancerIngress[]>; conflicts: Map<string, string> } {
  const ingress = new Map<string, LoadBalancerIngress[]>();
  const conflicts = new Map<string, string>();
  const key = (s: Service) => `${s.metadata.namespace}/${s.metadata.name}`;
  const holders = new Map<string, { what: string; svc: string }>();
  for (const [port, what] of reserved) holders.set(port, { what, svc: '' });
  // Node ports are open on every node too: a LoadBalancer port equal to one is taken.
  for (const s of list) {
    if (s.spec.type !== 'NodePort' && s.spec.type !== 'LoadBalancer') continue;
    for (const p of s.spec.ports ?? []) if (p.nodePort) holders.set(`${p.nodePort}/${p.protocol ?? 'TCP'}`, { what: `node port of Service ${key(s)}`, svc: key(s) });
  }
  const lbs = list
    .filter((s) => s.spec.type === 'LoadBalancer' && !isForeignLb(s) && !s.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b)));
  for (const s of lbs) {
    const mine = (s.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`);
    const taken = mine.map((m) => [m, holders.get(m)] as const).find(([, h]) => h !== undefined && h.svc !== key(s));
    if (taken) {
      conflicts.set(key(s), `port ${taken[0]} is already opened on every node by the ${taken[1]?.what} (ServiceLB opens each LoadBalancer port on every node); this Service gets no address until the port is free`);
      continue;
    }
    for (const m of mine) holders.set(m, { what: `LoadBalancer Service ${key(s)}`, svc: key(s) });
    const blocked: string[] = [];
    const usable = nodes.filter((n) => {
      const held = mine.map((m) => [m, hostPorts.get(n.name)?.get(m)] as const).find(([, pod]) => pod !== undefined);
      if (held) blocked.push(`${n.name} (port ${held[0]}, hostPort of pod ${held[1]})`);
      return !held;
    });
    if (blocked.length) {
      conflicts.set(key(s), usable.length
        ? `a pod's hostPort holds this Service's port on node ${blocked.join(', ')}: that node's address is left out of the Service's ingress`
        : `a pod's hostPort holds this Service's port on every Ready node (${blocked.join(', ')}); this Service gets no address until the port is free`);
      if (!usable.length) continue;
    }
    ingress.set(key(s), toIngress(usable.map((n) => n.ip)));
  }
  return { ingress, conflicts };
}
