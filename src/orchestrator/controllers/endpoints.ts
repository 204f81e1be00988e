import { isAlreadyExists, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import { matches, fromLabelSelector } from '../api/selectors.js';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service, ServicePort } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { deepEqual, isPodReady, isPodTerminal } from '../api/podutil.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'endpoint-controller';

/**
 * Service (with a selector) -> Endpoints of the same name (Kubernetes' endpoints controller): the IPs
 * of the selected pods, ready ones in `addresses` and the others in `notReadyAddresses`, grouped into
 * subsets by the ports each pod resolves (`targetPort` by number, or by a container port's name).
 * Services without a selector keep the Endpoints their users write; ExternalName has none.
 */
export function startEndpointsController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const svcInf = informers.get<Service>('services');
  const podInf = informers.get<Pod>('pods');
  const epInf = informers.get<Endpoints>('endpoints');

  const reconcile = async (key: string): Promise<void> => {
    const svc = svcInf.get(key);
    const current = epInf.get(key);
    if (!svc) {
      // The Endpoints of a deleted Service go with it, as in Kubernetes. Only a Service's deletion
      // enqueues a key without a Service, so Endpoints written before their Service are left alone.
      if (current) {
        try {
          await client.delete('endpoints', current.metadata.namespace, current.metadata.name ?? '', { preconditions: { uid: current.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return;
    }
    if (!svc.spec.selector || svc.spec.type === 'ExternalName') return;
    const subsets = computeSubsets(svc, podInf.byIndex('namespace', svc.metadata.namespace ?? ''));
    const labels = { ...svc.metadata.labels };
    if (current) {
      if (deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata.labels ?? {}, labels)) return;
      await client.update<Endpoints>('endpoints', { ...current, metadata: { ...current.metadata, labels }, subsets });
      return;
    }
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels }, subsets };
    try {
      await client.create('endpoints', ep);
    } catch (e) {
      // Created meanwhile (the cache lags): the informer event brings us back to update it.
      if (!isAlreadyExists(e)) throw e;
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['services', 'pods', 'endpoints']) });

  const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  const servicesFor = (pod: Pod): string[] => {
    const ns = pod.metadata.namespace;
    return svcInf.byIndex('namespace', ns ?? '').filter((s) => !!s.spec.selector && matches(fromLabelSelector({ matchLabels: s.spec.selector }), pod.metadata.labels)).map(keyOf);
  };
  svcInf.addHandlers({
    onAdd: (s) => loop.enqueue(keyOf(s)),
    onUpdate: (_o, s) => loop.enqueue(keyOf(s)),
    onDelete: (s) => loop.enqueue(keyOf(s)),
  });
  podInf.addHandlers({
    onAdd: (p) => servicesFor(p).forEach((k) => loop.enqueue(k)),
    onUpdate: (o, p) => {
      if (!endpointRelevantChange(o, p)) return;
      new Set([...servicesFor(o), ...servicesFor(p)]).forEach((k) => loop.enqueue(k));
    },
    onDelete: (p) => servicesFor(p).forEach((k) => loop.enqueue(k)),
  });
  // Someone edited or deleted the Endpoints: put them back as the Service says.
  const ifService = (e: Endpoints) => {
    if (svcInf.get(keyOf(e))) loop.enqueue(keyOf(e));
  };
  epInf.addHandlers({ onUpdate: (_o, e) => ifService(e), onDelete: ifService });
  return loop;
}

function endpointRelevantChange(a: Pod, b: Pod): boolean {
  return (
    a.status?.podIP !== b.status?.podIP ||
    isPodReady(a) !== isPodReady(b) ||
    a.spec.nodeName !== b.spec.nodeName ||
    a.spec.hostname !== b.spec.hostname ||
    a.spec.subdomain !== b.spec.subdomain ||
    !!a.metadata.deletionTimestamp !== !!b.metadata.deletionTimestamp ||
    a.status?.phase !== b.status?.phase ||
    !deepEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {})
  );
}

/** The subsets for `svc` over the namespace's pods, in a stable order (so unchanged means equal). */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const sel = fromLabelSelector({ matchLabels: svc.spec.selector ?? {} });
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!pod.status?.podIP || pod.metadata.deletionTimestamp || isPodTerminal(pod)) continue;
    if (!matches(sel, pod.metadata.labels)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      ports.push(ep);
    }
    // A pod that resolves none of several ports serves nothing through this Service.
    if ((svc.spec.ports?.length ?? 0) > 0 && ports.length === 0) continue;
    const addr: EndpointAddress = { ip: pod.status.podIP, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '', uid: pod.metadata.uid } };
    if (pod.spec.nodeName) addr.nodeName = pod.spec.nodeName;
    // The pod's DNS name under a headless Service named by its subdomain (`web-0.web.ns.svc...`).
    if (typeof pod.spec.hostname === 'string' && pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) addr.hostname = pod.spec.hostname;
    const sig = JSON.stringify(ports);
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { ports, ready: [], notReady: [] }));
    (isPodReady(pod) || svc.spec.publishNotReadyAddresses === true ? g.ready : g.notReady).push(addr);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? '');
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length) s.addresses = g.ready.sort(byIp);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
}

/** `targetPort` as a number: itself, a named container port of the pod, or the service port. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const t = sp.targetPort;
  if (t === undefined || t === '') return sp.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === t && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}
