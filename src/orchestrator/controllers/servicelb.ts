import { deepEqual } from '../api/podutil.js';
import type { Node, Service } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'service-lb-controller';
const ALL = 'all';

type Ingress = { ip: string; ipMode: 'VIP' };

/**
 * LoadBalancer Services the k3s ServiceLB way: no cloud load balancer; every node opens the
 * Service's ports on its own addresses (the agent's service proxy does that), and the Service's
 * `status.loadBalancer.ingress` lists the InternalIPs of the Ready nodes. A port can be opened once
 * per node, so a LoadBalancer whose port/protocol an older one holds (or that some Service uses as
 * its node port) gets no address and a `PortInUse` Warning naming the holder, until the port is
 * free; k3s leaves such a Service pending the same way. Services with a `loadBalancerClass` belong
 * to another implementation and are left alone.
 */
export function startServiceLbController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const services = informers.get<Service>('services');
  const nodes = informers.get<Node>('nodes');
  /** The conflict last reported per Service, so an event is recorded once per change. */
  const reported = new Map<string, string>();

  const reconcile = async (): Promise<void> => {
    const ingress = readyNodeAddresses(nodes.list());
    const plan = planServiceLb(services.list(), ingress);
    for (const svc of services.list()) {
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
  nodes.addHandlers({
    onAdd: kick,
    onUpdate: (o, n) => {
      if (!deepEqual(readyNodeAddresses([o]), readyNodeAddresses([n]))) kick();
    },
    onDelete: kick,
  });
  return loop;
}

function isForeignLb(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && typeof svc.spec.loadBalancerClass === 'string' && svc.spec.loadBalancerClass !== '';
}

/** The InternalIPs of Ready nodes, sorted: every LoadBalancer's address list. */
export function readyNodeAddresses(list: Node[]): Ingress[] {
  const ips = new Set<string>();
  for (const n of list) {
    if (n.metadata.deletionTimestamp) continue;
    if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') continue;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (ip) ips.add(ip);
  }
  return [...ips].sort().map((ip) => ({ ip, ipMode: 'VIP' }));
}

/**
 * Pure: which LoadBalancer Services get the node addresses, and which cannot (a port another holds).
 * Older Services win (creation time, then namespace/name), as ServiceLB's first-come port use does.
 */
export function planServiceLb(list: Service[], addresses: Ingress[]): { ingress: Map<string, Ingress[]>; conflicts: Map<string, string> } {
  const ingress = new Map<string, Ingress[]>();
  const conflicts = new Map<string, string>();
  const key = (s: Service) => `${s.metadata.namespace}/${s.metadata.name}`;
  const holders = new Map<string, { what: string; svc: string }>();
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
