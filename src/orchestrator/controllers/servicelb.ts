import { DEFAULT_CLUSTER_NETWORK, ingressPorts, type ClusterNetwork } from '../api/clusterNetwork.js';
import { deepEqual } from '../api/podutil.js';
import type { Node, Service } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { onNodeAddressChange, readyNodeAddresses, type LoadBalancerIngress } from './nodeAddresses.js';

const COMPONENT = 'service-lb-controller';
const ALL = 'all';


/**
 * LoadBalancer Services the k3s ServiceLB way: no cloud load balancer; every node opens the
 * Service's ports on its own addresses (the agent's service proxy does that), and the Service's
 * `status.loadBalancer.ingress` lists the InternalIPs of the Ready nodes. A port can be opened once
 * per node, so a LoadBalancer whose port/protocol an older one holds (or that some Service uses as
 * its node port, or the built-in ingress controller as its HTTP/HTTPS port) gets no address and a
 * `PortInUse` Warning naming the holder, until the port is free; k3s' svclb pod stays Pending on
 * the hostPort conflict the same way, and the Service keeps no address. Services with a `loadBalancerClass` belong
 * to another implementation and are left alone.
 */
export function startServiceLbController(ctx: ControllerContext, network: Partial<ClusterNetwork> = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const services = informers.get<Service>('services');
  const nodes = informers.get<Node>('nodes');
  /** The conflict last reported per Service, so an event is recorded once per change. */
  const reported = new Map<string, string>();

  const reconcile = async (): Promise<void> => {
    const ingress = readyNodeAddresses(nodes.list());
    const list = services.list();
    const plan = planServiceLb(list, ingress, reservedPorts({ ...DEFAULT_CLUSTER_NETWORK, ...network }));
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

  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 1, ready: informers.waitForSync(['services', 'nodes']) });
  const kick = () => loop.enqueue(ALL);
  services.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
  onNodeAddressChange(nodes, kick);
  return loop;
}

function isForeignLb(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && typeof svc.spec.loadBalancerClass === 'string' && svc.spec.loadBalancerClass !== '';
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
 */
export function planServiceLb(
  list: Service[],
  addresses: LoadBalancerIngress[],
  reserved: ReadonlyMap<string, string> = new Map(),
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
    ingress.set(key(s), addresses);
  }
  return { ingress, conflicts };
}
