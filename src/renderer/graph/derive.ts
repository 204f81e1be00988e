import type { Deployment, Endpoints, Job, KubeObject, Node, Pod, ReplicaSet, Service } from '../../orchestrator/api/types.js';
import { ingressInfoOf, type IngressInfo } from './ingresses.js';
import type { ObjectMap } from '../store/kinds.js';
import { podRequests, type Amounts } from './capacity.js';
import { intermediateOf, workloadOf, type Owners } from './owners.js';
import { nodeReadiness, podDisplay, type PodTone } from './podStatus.js';
import { rolloutOf } from './rollout.js';
import { distinctiveNames } from './shortNames.js';
import { groupId, ingressId, podId, serviceId, workloadId, type EdgeData, type NodeCardFlowNode, type PhaseCounts, type PodData, type SkiffEdge, type SkiffNode, type WorkloadFlowNode } from './types.js';

export interface DeriveInput {
  nodes: ObjectMap<Node>;
  pods: ObjectMap<Pod>;
  services: ObjectMap<Service>;
  endpoints: ObjectMap<Endpoints>;
  replicasets: ObjectMap<ReplicaSet>;
  jobs: ObjectMap<Job>;
  /** Drawn left of the Services they route to; none when left out. */
  ingresses?: ObjectMap<KubeObject>;
  /** A Deployment card says how its rollout stands (graph/rollout.ts); nothing when left out. */
  deployments?: ObjectMap<Deployment>;
}

export interface DeriveOptions {
  /** The user's choices, by card id: true collapsed, false expanded. Others follow the defaults. */
  collapsed?: Readonly<Record<string, boolean>>;
  /** A card to show expanded whatever else says (the one holding the selected pod). */
  expand?: string;
}

/** Cards with more pods than this start collapsed; so does every card once the cluster has more than MANY_PODS. */
export const EXPAND_UP_TO = 12;
export const MANY_PODS = 400;

export interface DerivedGraph {
  /** Node cards, then each workload card followed by its pods (parents first), then services, then ingresses. Positions are 0,0: see layout. */
  nodes: SkiffNode[];
  edges: SkiffEdge[];
}

const ORIGIN = { x: 0, y: 0 };
const TONES: readonly PodTone[] = ['running', 'pending', 'failed', 'terminating', 'succeeded', 'unknown'];
const zeroCounts = (): Record<PodTone, number> => ({ running: 0, pending: 0, failed: 0, terminating: 0, succeeded: 0, unknown: 0 });

export interface CardKey {
  key: string;
  kind: string;
  name: string;
  namespace: string;
}

/**
 * A pod's card, remembered per pod object with the object its owner was read through (its
 * ReplicaSet or Job, see owners.ts): while neither is replaced (the store replaces objects, never
 * edits them) the answer stands, so a derive after one watch event does not walk 5,000 owner
 * chains again.
 */
const cardCache = new WeakMap<Pod, { via: KubeObject | undefined; card: CardKey }>();

/** The card a pod is drawn in: its workload's, or its namespace's standalone pods. */
export function cardKeyOf(pod: Pod, owners: Owners): CardKey {
  const ns = pod.metadata.namespace ?? 'default';
  const via = intermediateOf(pod, owners);
  const hit = cardCache.get(pod);
  if (hit && hit.via === via) return hit.card;
  const w = workloadOf(pod, owners);
  const card = w ? { key: `${w.kind}/${w.namespace}/${w.name}`, kind: w.kind, name: w.name, namespace: w.namespace } : { key: `Pod/${ns}/`, kind: 'Pod', name: 'standalone pods', namespace: ns };
  cardCache.set(pod, { via, card });
  return card;
}

/**
 * The topology as React Flow nodes and edges, from cluster state alone: nodes as cards in a band,
 * pods grouped by owner into collapsible cards (counts by state), services with one edge per card
 * they reach. O(pods + labels + endpoint addresses), sorted by name so the picture is stable.
 */
export function derive(input: DeriveInput, opts: DeriveOptions = {}): DerivedGraph {
  const podKeys = Object.keys(input.pods).sort();
  const many = podKeys.length > MANY_PODS;
  const cards = new Map<string, { kind: string; name: string; namespace: string; pods: string[] }>();
  const cardOfPod = new Map<string, string>();
  const perNode = new Map<string, { count: number; phases: Record<PodTone, number> }>();
  const nodeNames = new Set(Object.values(input.nodes).map((n) => n.metadata.name ?? ''));
  for (const key of podKeys) {
    const pod = input.pods[key] as Pod;
    const c = cardKeyOf(pod, input);
    let card = cards.get(c.key);
    if (!card) cards.set(c.key, (card = { kind: c.kind, name: c.name, namespace: c.namespace, pods: [] }));
    card.pods.push(key);
    cardOfPod.set(key, workloadId(c.key));
    const n = pod.spec?.nodeName;
    if (n) {
      nodeNames.add(n);
      let s = perNode.get(n);
      if (!s) perNode.set(n, (s = { count: 0, phases: zeroCounts() }));
      s.count++;
      s.phases[podData(key, pod).tone]++;
    }
  }

  const out: SkiffNode[] = [];
  const sortedNodes = [...nodeNames].filter(Boolean).sort();
  const nodeShort = distinctiveNames(sortedNodes);
  for (const name of sortedNodes) {
    const s = perNode.get(name);
    out.push(nodeCard(name, input.nodes[name], s?.count ?? 0, s?.phases ?? zeroCounts(), nodeShort.get(name)));
  }
  const cardKeys = [...cards.keys()].sort((a, b) => (a.startsWith('Pod/') === b.startsWith('Pod/') ? a.localeCompare(b) : a.startsWith('Pod/') ? 1 : -1));
  for (const ck of cardKeys) {
    const card = cards.get(ck)!;
    const id = workloadId(ck);
    const phases = zeroCounts();
    const nodes = new Set<string>();
    let requestCpu = 0;
    let requestMemory = 0;
    for (const pk of card.pods) {
      const pod = input.pods[pk] as Pod;
      phases[podData(pk, pod).tone]++;
      if (pod.spec?.nodeName) nodes.add(pod.spec.nodeName);
      const r = cachedRequests(pod);
      requestCpu += r.cpu;
      requestMemory += r.memory;
    }
    const dep = card.kind === 'Deployment' ? input.deployments?.[`${card.namespace}/${card.name}`] : undefined;
    const rollout = dep && rolloutOf(dep);
    const byDefault = many || card.pods.length > EXPAND_UP_TO;
    const collapsed = opts.expand === id ? false : (opts.collapsed?.[id] ?? byDefault);
    const wl: WorkloadFlowNode = {
      id,
      type: 'workload',
      position: ORIGIN,
      data: {
        key: ck,
        kind: card.kind,
        name: card.name,
        namespace: card.namespace,
        podCount: card.pods.length,
        phases: phases as PhaseCounts,
        collapsed,
        nodeCount: nodes.size,
        podKeys: card.pods.join('\n'),
        requestCpu,
        requestMemory,
        ...(rollout ? { rollout: rollout.text, rolloutTitle: rollout.title, rolloutStuck: rollout.stuck } : {}),
      },
    };
    out.push(wl);
    if (!collapsed) for (const pk of card.pods) out.push({ id: podId(pk), type: 'pod', parentId: id, extent: 'parent', draggable: false, position: ORIGIN, data: podData(pk, input.pods[pk] as Pod) });
  }

  const edges: SkiffEdge[] = [];
  const selectIndex = labelIndex(input.pods, podKeys);
  const podByIP = new Map<string, string>();
  for (const key of podKeys) {
    const ip = input.pods[key]?.status?.podIP;
    if (ip) podByIP.set(ip, key);
  }
  const serviceKeys = Object.keys(input.services).sort();
  const serviceShort = distinctiveNames(serviceKeys.map((k) => input.services[k]?.metadata.name ?? ''));
  for (const key of serviceKeys) {
    const svc = input.services[key] as Service;
    const targets = serviceTargets(svc, input.endpoints[key], selectIndex, podByIP, input.pods);
    let ready = 0;
    for (const r of targets.values()) if (r) ready++;
    out.push(serviceNode(key, svc, { podCount: targets.size, readyCount: ready }, hasSelector(svc) ? undefined : readyAddresses(input.endpoints[key]), serviceShort));
    const perCard = new Map<string, EdgeData>();
    for (const [pk, ready] of targets) {
      const cid = cardOfPod.get(pk);
      if (!cid) continue;
      const cur = perCard.get(cid) ?? { ready: false, count: 0 };
      perCard.set(cid, { ready: cur.ready || ready, count: cur.count + 1 });
    }
    for (const [cid, d] of [...perCard].sort(([a], [b]) => a.localeCompare(b))) edges.push(edge(serviceId(key), cid, d));
  }
  for (const key of Object.keys(input.ingresses ?? {}).sort()) {
    const info = ingressInfoOf((input.ingresses as ObjectMap<KubeObject>)[key] as KubeObject);
    if (!info) continue;
    const { card, routesTo } = ingressCard(key, info, input.services);
    out.push(card);
    for (const [svcKey, count] of routesTo) edges.push(edge(ingressId(key), serviceId(svcKey), { ready: readyAddresses(input.endpoints[svcKey]) > 0, count }));
  }
  return { nodes: out, edges };
}

/** An Ingress's card and the Services (keys) it routes to that exist, with how many of its routes go to each. */
function ingressCard(key: string, info: IngressInfo, services: ObjectMap<Service>): { card: SkiffNode; routesTo: Map<string, number> } {
  const ns = info.namespace || 'default';
  const routesTo = new Map<string, number>();
  const missing = new Set<string>();
  const hosts: string[] = [];
  for (const r of info.routes) {
    const host = r.host ?? '*';
    if (!hosts.includes(host)) hosts.push(host);
    const svcKey = `${ns}/${r.service}`;
    if (services[svcKey]) routesTo.set(svcKey, (routesTo.get(svcKey) ?? 0) + 1);
    else missing.add(r.service);
  }
  const card: SkiffNode = {
    id: ingressId(key),
    type: 'ingress',
    position: ORIGIN,
    data: { key, name: info.name, namespace: ns, hosts, tlsHosts: info.tlsHosts, ...(info.className ? { className: info.className } : {}), addresses: info.addresses, routes: info.routes.length, missingServices: [...missing].sort() },
  };
  return { card, routesTo };
}

function edge(source: string, target: string, data: EdgeData): SkiffEdge {
  return {
    id: `edge:${source}->${target}`,
    source,
    target,
    data,
    className: data.ready ? 'edge-ready' : 'edge-not-ready',
    selectable: false,
    // No label with the count: measuring edge text forces a layout of the whole canvas per update.
  };
}

/**
 * Pod objects are immutable (the store replaces, never edits), so what a pod looks like is computed
 * once per pod version; unchanged pods keep the same data object, which keeps re-renders narrow.
 */
const podDataCache = new WeakMap<Pod, PodData>();
const requestsCache = new WeakMap<Pod, Amounts>();

/** A pod's requests, once per pod version (as podData). */
function cachedRequests(pod: Pod): Amounts {
  let r = requestsCache.get(pod);
  if (!r) requestsCache.set(pod, (r = pod.spec?.containers ? podRequests(pod) : { cpu: 0, memory: 0 }));
  return r;
}

function podData(key: string, pod: Pod): PodData {
  const cached = podDataCache.get(pod);
  if (cached && cached.key === key) return cached;
  const d = podDisplay(pod);
  const data: PodData = {
    key,
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace ?? 'default',
    phase: pod.status?.phase ?? 'Pending',
    tone: d.tone,
    status: d.status,
    ready: d.ready,
    restarts: d.restarts,
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  };
  podDataCache.set(pod, data);
  return data;
}

/** `{ short }` when the name has a distinctive short form among its kind (shortNames.ts), else nothing. */
function short(shorts: ReadonlyMap<string, string>, name: string): { short?: string } {
  const s = shorts.get(name);
  return s ? { short: s } : {};
}

function nodeCard(name: string, node: Node | undefined, podCount: number, phases: PhaseCounts, shortName: string | undefined): NodeCardFlowNode {
  const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return {
    id: groupId(name),
    type: 'nodeCard',
    position: ORIGIN,
    data: { name, readiness: nodeReadiness(node), unschedulable: node?.spec?.unschedulable === true, missing: node === undefined, podCount, phases, ...(address ? { address } : {}), ...(shortName ? { short: shortName } : {}) },
  };
}

const hasSelector = (svc: Service): boolean => Object.keys(svc.spec?.selector ?? {}).length > 0;
const readyAddresses = (ep: Endpoints | undefined): number => (ep?.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);

function serviceNode(key: string, svc: Service, pods: { podCount: number; readyCount: number }, endpointCount: number | undefined, shorts: ReadonlyMap<string, string>): SkiffNode {
  const ports = (svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
  return {
    id: serviceId(key),
    type: 'service',
    position: ORIGIN,
    data: { key, name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? 'default', ...serviceKind(svc), ports, ...pods, ...(endpointCount !== undefined ? { endpointCount } : {}), ...short(shorts, svc.metadata.name ?? '') },
  };
}

/** `namespace \0 key=value` -> pod keys: a service's selector then costs its smallest match list. */
function labelIndex(pods: ObjectMap<Pod>, keys: string[]): Map<string, string[]> {
  const idx = new Map<string, string[]>();
  for (const key of keys) {
    const pod = pods[key];
    const labels = pod?.metadata.labels;
    if (!labels) continue;
    for (const [k, v] of Object.entries(labels)) {
      const ik = `${pod.metadata.namespace ?? 'default'}\0${k}=${v}`;
      let list = idx.get(ik);
      if (!list) idx.set(ik, (list = []));
      list.push(key);
    }
  }
  return idx;
}

/**
 * Pods a service sends traffic to, with whether each is ready. Endpoints say who is ready (and cover
 * services without a selector); the selector adds matching pods that are not ready yet.
 */
function serviceTargets(svc: Service, ep: Endpoints | undefined, idx: Map<string, string[]>, podByIP: Map<string, string>, pods: ObjectMap<Pod>): Map<string, boolean> {
  const ns = svc.metadata.namespace ?? 'default';
  const targets = new Map<string, boolean>();
  const selector = Object.entries(svc.spec?.selector ?? {});
  if (selector.length > 0) {
    let smallest: string[] | undefined;
    for (const [k, v] of selector) {
      const list = idx.get(`${ns}\0${k}=${v}`) ?? [];
      if (!smallest || list.length < smallest.length) smallest = list;
    }
    for (const key of smallest ?? []) {
      const labels = pods[key]?.metadata.labels ?? {};
      if (selector.every(([k, v]) => labels[k] === v)) targets.set(key, false);
    }
  }
  for (const subset of ep?.subsets ?? []) {
    for (const a of subset.addresses ?? []) {
      const key = addressPod(a, ns, podByIP);
      if (key && pods[key]) targets.set(key, true);
    }
    for (const a of subset.notReadyAddresses ?? []) {
      const key = addressPod(a, ns, podByIP);
      if (key && pods[key] && !targets.has(key)) targets.set(key, false);
    }
  }
  return targets;
}

function addressPod(a: { ip: string; targetRef?: { kind: string; name: string; namespace?: string } }, ns: string, podByIP: Map<string, string>): string | undefined {
  if (a.targetRef?.kind === 'Pod') return `${a.targetRef.namespace ?? ns}/${a.targetRef.name}`;
  return podByIP.get(a.ip);
}

export { TONES };

/** A Service's badge and address: a headless one (`clusterIP: None`) says so instead of showing `ClusterIP` and `None`. */
function serviceKind(svc: Service): { type: string; clusterIP?: string } {
  const ip = svc.spec?.clusterIP;
  if (ip === 'None') return { type: 'Headless' };
  return { type: svc.spec?.type ?? 'ClusterIP', ...(ip ? { clusterIP: ip } : {}) };
}
