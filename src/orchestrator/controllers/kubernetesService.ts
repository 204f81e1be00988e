import { API_RELAY_PORT, DEFAULT_CLUSTER_NETWORK, DNS_LISTEN_PORT, clusterDNSIP, firstServiceIP, type ClusterNetwork } from '../api/clusterNetwork.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import { deepEqual } from '../api/podutil.js';
import type { EndpointPort, Endpoints, KubeObject, Node, Service, ServicePort } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { gatewayOf, parseCidr } from '../util/cidr.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL, type EndpointSlice } from './endpointslice.js';

export const API_SLICE_MANAGER = 'skiff-apiserver';

/**
 * A Service every node answers for itself: its endpoints are each node's pod bridge gateway (the
 * first address of the node's pod CIDR), where the node's agent listens, and
 * `internalTrafficPolicy: Local` makes every node's proxy send it to its own agent. The control
 * plane need not be up for it to work on a node once the node has its rules.
 */
export interface NodeLocalService {
  component: string;
  namespace: string;
  name: string;
  clusterIP: string;
  labels: Record<string, string>;
  ports: ServicePort[];
  /** What each node's agent listens on (one per Service port, same names). */
  endpointPorts: (EndpointPort & { protocol: string })[];
}

/**
 * The `default/kubernetes` Service (kube-apiserver's bootstrap controller): cluster IP the first
 * address of the service range, port 443 (`https`). Its endpoints are every node's API relay
 * (port 6443), which relays to the API server through the node's tunnel, TLS untouched. Workers
 * have no route to the desktop, so each node must answer for itself. Kept as written here
 * whatever a user does to it; moved when the service range changes.
 */
export function startKubernetesServiceController(ctx: ControllerContext, network: ClusterNetwork = DEFAULT_CLUSTER_NETWORK): ControllerLoop {
  return startNodeLocalServiceController(ctx, {
    component: 'kubernetes-service-controller',
    namespace: 'default',
    name: 'kubernetes',
    clusterIP: firstServiceIP(network.serviceCIDR),
    labels: { component: 'apiserver', provider: 'kubernetes' },
    ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: API_RELAY_PORT }],
    endpointPorts: [{ name: 'https', port: API_RELAY_PORT, protocol: 'TCP' }],
  });
}

/**
 * The `kube-system/kube-dns` Service: cluster IP the tenth address of the service range (every
 * pod's nameserver), ports 53 UDP and TCP. Its endpoints are every node's own DNS server (the
 * agent's, agent/dns/), so names resolve on a node while the control plane is away.
 */
export function startClusterDnsServiceController(ctx: ControllerContext, network: ClusterNetwork = DEFAULT_CLUSTER_NETWORK): ControllerLoop {
  return startNodeLocalServiceController(ctx, {
    component: 'cluster-dns-service-controller',
    namespace: 'kube-system',
    name: 'kube-dns',
    clusterIP: clusterDNSIP(network.serviceCIDR),
    labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'SkiffDNS' },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: DNS_LISTEN_PORT },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: DNS_LISTEN_PORT },
    ],
    endpointPorts: [
      { name: 'dns', port: DNS_LISTEN_PORT, protocol: 'UDP' },
      { name: 'dns-tcp', port: DNS_LISTEN_PORT, protocol: 'TCP' },
    ],
  });
}

export function startNodeLocalServiceController(ctx: ControllerContext, def: NodeLocalService): ControllerLoop {
  const { client, clock, informers } = ctx;
  const { namespace: NAMESPACE, name: NAME, clusterIP } = def;
  const log = ctx.log.child({ component: def.component });
  const nodes = informers.get<Node>('nodes');
  const services = informers.get<Service>('services');
  const endpoints = informers.get<Endpoints>('endpoints');
  const slices = informers.get<EndpointSlice>('endpointslices');

  const relays = () =>
    nodes
      .list((n) => !!n.spec?.podCIDR && !n.metadata.deletionTimestamp)
      .map((n) => ({ ip: gatewayOf(parseCidr(n.spec?.podCIDR as string)), nodeName: n.metadata.name ?? '' }))
      .sort((a, b) => a.nodeName.localeCompare(b.nodeName));

  const reconcile = async (): Promise<void> => {
    await ensureService();
    const rs = relays();
    const epWant: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { [SKIP_MIRROR_LABEL]: 'true' } },
      subsets: rs.length ? [{ addresses: rs.map((r) => ({ ip: r.ip, nodeName: r.nodeName })), ports: def.endpointPorts }] : [],
    };
    await upsert<Endpoints>('endpoints', endpoints.get(`${NAMESPACE}/${NAME}`), epWant, (have) => deepEqual(have.subsets ?? [], epWant.subsets) && deepEqual(have.metadata.labels ?? {}, epWant.metadata.labels));
    const sliceWant: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { [SERVICE_NAME_LABEL]: NAME, [MANAGED_BY_LABEL]: API_SLICE_MANAGER } },
      addressType: 'IPv4',
      endpoints: rs.map((r) => ({ addresses: [r.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: r.nodeName })),
      ports: def.endpointPorts,
    };
    await upsert<EndpointSlice>('endpointslices', slices.get(`${NAMESPACE}/${NAME}`), sliceWant, (have) => deepEqual(have.endpoints ?? [], sliceWant.endpoints) && deepEqual(have.ports ?? [], sliceWant.ports) && deepEqual(have.metadata.labels ?? {}, sliceWant.metadata.labels));
  };

  const ensureService = async (): Promise<void> => {
    const want: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE, labels: def.labels },
      spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports: def.ports, sessionAffinity: 'None', internalTrafficPolicy: 'Local' },
    };
    const have = services.get(`${NAMESPACE}/${NAME}`);
    if (have && have.spec.clusterIP !== clusterIP) {
      // The service range changed: the address is immutable, so the Service is made again.
      log.info(`the service range changed; recreating the ${NAME} Service`, { from: have.spec.clusterIP, to: clusterIP });
      await client.delete('services', NAMESPACE, NAME, { preconditions: { uid: have.metadata.uid } }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
      await create(want);
      return;
    }
    const same = (s: Service) =>
      deepEqual(s.spec.ports, want.spec.ports) && s.spec.internalTrafficPolicy === 'Local' && s.spec.type === 'ClusterIP' && !s.spec.selector && deepEqual(s.metadata.labels ?? {}, want.metadata.labels);
    if (!have) await create(want);
    else if (!same(have)) {
      const { selector: _selector, ...spec } = have.spec;
      await client.update<Service>('services', { ...have, metadata: { ...have.metadata, labels: want.metadata.labels }, spec: { ...spec, ...want.spec } });
    }
  };

  const create = async (obj: KubeObject) => {
    try {
      await client.create('services', obj);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  };

  const upsert = async <T extends KubeObject>(resource: string, have: T | undefined, want: T, same: (have: T) => boolean) => {
    if (!have) {
      try {
        await client.create(resource, want);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      return;
    }
    if (same(have)) return;
    await client.update<T>(resource, { ...have, ...want, metadata: { ...have.metadata, labels: want.metadata.labels } });
  };

  const loop = runLoop(def.component, reconcile, { clock, log, workers: 1, ready: informers.waitForSync(['nodes', 'services', 'endpoints', 'endpointslices']) });
  const kick = () => loop.enqueue(NAME);
  const ifOurs = (o: KubeObject) => {
    if (o.metadata.namespace === NAMESPACE && o.metadata.name === NAME) kick();
  };
  nodes.addHandlers({ onAdd: kick, onUpdate: (o, n) => o.spec?.podCIDR !== n.spec?.podCIDR && kick(), onDelete: kick });
  for (const inf of [services, endpoints, slices] as const) inf.addHandlers({ onAdd: ifOurs, onUpdate: (_o, n) => ifOurs(n), onDelete: ifOurs });
  kick();
  return loop;
}
