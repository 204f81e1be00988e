import { ingressBackends, resolveBackend, servesIngress, type Ingress, type IngressClass } from '../api/ingress.js';
import { deepEqual } from '../api/podutil.js';
import type { Node, Service } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { onNodeAddressChange, readyNodeAddresses } from './nodeAddresses.js';

const COMPONENT = 'skiff-ingress-controller';
const ALL = 'all';

/**
 * The control-plane half of the built-in ingress controller (the part k3s leaves to traefik's
 * ServiceLB Service): every Ingress the controller serves (its class is one whose controller is
 * `skiff.io/ingress`, or none and the default class is) gets `status.loadBalancer.ingress` = the
 * Ready nodes' InternalIPs, since every node's agent proxies ports 80/443; and a Warning event for
 * each backend that cannot route (`ServiceNotFound`, `PortNotFound`, `NotSupported` for resource
 * backends), once per change, so `kubectl describe ingress` says what is wrong and where. Ingresses
 * of other classes are left alone, status included.
 */
export function startIngressStatusController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const ingresses = informers.get<Ingress>('ingresses');
  const classes = informers.get<IngressClass>('ingressclasses');
  const services = informers.get<Service>('services');
  const nodes = informers.get<Node>('nodes');
  /** Problems last reported per Ingress (`ns/name` -> messages), so each is recorded once. */
  const reported = new Map<string, Set<string>>();

  const reconcile = async (): Promise<void> => {
    const addresses = readyNodeAddresses(nodes.list()).map((a) => ({ ip: a.ip }));
    const cls = classes.list();
    const svcs = services.list();
    const seen = new Set<string>();
    for (const ing of ingresses.list()) {
      if (!servesIngress(ing, cls)) continue;
      const ns = ing.metadata.namespace ?? 'default';
      const key = `${ns}/${ing.metadata.name ?? ''}`;
      seen.add(key);
      const before = reported.get(key) ?? new Set<string>();
      const now = new Set<string>();
      for (const { at, backend } of ingressBackends(ing)) {
        const r = resolveBackend(ns, backend, svcs);
        if (r.ok) continue;
        const msg = `${at}: ${r.message}`;
        now.add(msg);
        if (!before.has(msg)) recorder.record(ing, 'Warning', r.reason === 'ResourceBackend' ? 'NotSupported' : r.reason, msg);
      }
      reported.set(key, now);
      const have = ing.status?.loadBalancer?.ingress ?? [];
      if (deepEqual(have, addresses)) continue;
      await client.updateStatus<Ingress>('ingresses', { ...ing, status: { ...ing.status, loadBalancer: addresses.length ? { ingress: addresses } : {} } });
      log.info('ingress addresses', { ingress: key, ingress_ips: addresses.map((a) => a.ip) });
    }
    for (const k of [...reported.keys()]) if (!seen.has(k)) reported.delete(k);
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 1, ready: informers.waitForSync(['ingresses', 'ingressclasses', 'services', 'nodes']) });
  const kick = () => loop.enqueue(ALL);
  for (const inf of [ingresses, classes, services] as { addHandlers(h: { onAdd: () => void; onUpdate: () => void; onDelete: () => void }): void }[]) inf.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
  onNodeAddressChange(nodes, kick);
  return loop;
}
