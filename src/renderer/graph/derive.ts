import type { Endpoints, Node, Pod, Service } from '../../orchestrator/api/types.js';
import type { ObjectMap } from '../store/kinds.js';
import { nodeReadiness, podDisplay } from './podStatus.js';
import {
  groupId,
  podId,
  serviceId,
  UNSCHEDULED_ID,
  type GroupFlowNode,
  type PodData,
  type PodFlowNode,
  type ServiceFlowNode,
  type SkiffEdge,
  type SkiffNode,
  type Tile,
} from './types.js';

export interface DeriveInput {
  nodes: ObjectMap<Node>;
  pods: ObjectMap<Pod>;
  services: ObjectMap<Service>;
  endpoints: ObjectMap<Endpoints>;
}

export interface DeriveOptions {
  /** Draw pods as tiles inside their group (see GroupData.tiles); implies groupEdges. */
  compact?: boolean;
  /** One edge per service and group instead of one per pod (thousands of long edges cost too much). */
  groupEdges?: boolean;
}

export interface DerivedGraph {
  /** Groups each followed by their pods (React Flow needs parents first), then services. Positions are 0,0: see layout. */
  nodes: SkiffNode[];
  edges: SkiffEdge[];
}

const ORIGIN = { x: 0, y: 0 };

/**
 * The topology as React Flow nodes and edges, from cluster state alone. O(pods + labels + endpoint
 * addresses + edges), sorted by name so the picture is stable between updates.
 */
export function derive(input: DeriveInput, opts: DeriveOptions = {}): DerivedGraph {
  const compact = opts.compact === true;
  const perGroup = compact || opts.groupEdges === true;
  const podGroup = new Map<string, string>();
  const podsByGroup = new Map<string, string[]>();
  const podKeys = Object.keys(input.pods).sort();
  for (const key of podKeys) {
    const pod = input.pods[key];
    if (!pod) continue;
    const gid = pod.spec?.nodeName ? groupId(pod.spec.nodeName) : UNSCHEDULED_ID;
    let list = podsByGroup.get(gid);
    if (!list) podsByGroup.set(gid, (list = []));
    list.push(key);
    podGroup.set(key, gid);
  }

  const nodeNames = new Set(Object.values(input.nodes).map((n) => n.metadata.name ?? ''));
  for (const key of podKeys) {
    const n = input.pods[key]?.spec?.nodeName;
    if (n) nodeNames.add(n);
  }

  const out: SkiffNode[] = [];
  for (const name of [...nodeNames].filter(Boolean).sort()) {
    const node = input.nodes[name];
    const gid = groupId(name);
    const members = podsByGroup.get(gid) ?? [];
    const group = groupNode(gid, name, node, members.length);
    out.push(compact ? withTiles(group, members, input.pods) : group);
    if (!compact) for (const key of members) out.push(podNode(key, input.pods[key] as Pod, gid));
  }
  const unscheduled = podsByGroup.get(UNSCHEDULED_ID) ?? [];
  if (unscheduled.length > 0) {
    const group: GroupFlowNode = {
      id: UNSCHEDULED_ID,
      type: 'nodeGroup',
      position: ORIGIN,
      data: { name: 'Unscheduled', readiness: 'Unscheduled', unschedulable: false, missing: false, podCount: unscheduled.length },
    };
    out.push(compact ? withTiles(group, unscheduled, input.pods) : group);
    if (!compact) for (const key of unscheduled) out.push(podNode(key, input.pods[key] as Pod, UNSCHEDULED_ID));
  }

  const edges: SkiffEdge[] = [];
  const selectIndex = labelIndex(input.pods, podKeys);
  const podByIP = new Map<string, string>();
  for (const key of podKeys) {
    const ip = input.pods[key]?.status?.podIP;
    if (ip) podByIP.set(ip, key);
  }
  for (const key of Object.keys(input.services).sort()) {
    const svc = input.services[key] as Service;
    const targets = serviceTargets(svc, input.endpoints[key], selectIndex, podByIP, input.pods);
    out.push(serviceNode(key, svc, targets.size));
    if (perGroup) {
      edges.push(...groupEdges(key, targets, podGroup));
      continue;
    }
    for (const [pk, ready] of targets) edges.push(edge(key, podId(pk), ready, 1));
  }
  return { nodes: out, edges };
}

function edge(svcKey: string, target: string, ready: boolean, count: number): SkiffEdge {
  return {
    id: `edge:${svcKey}->${target}`,
    source: serviceId(svcKey),
    target,
    data: { ready, count },
    className: ready ? 'edge-ready' : 'edge-not-ready',
    selectable: false,
    // Above the node groups (z 0), level with the pods inside them.
    zIndex: 1,
    // No label with the count: measuring edge text forces a layout of the whole canvas per update.
  };
}

/** Compact mode: one edge per group a service reaches, ready if any of its pods there is. */
function groupEdges(svcKey: string, targets: Map<string, boolean>, podGroup: Map<string, string>): SkiffEdge[] {
  const perGroup = new Map<string, { ready: boolean; count: number }>();
  for (const [pk, ready] of targets) {
    const gid = podGroup.get(pk);
    if (!gid) continue;
    const cur = perGroup.get(gid) ?? { ready: false, count: 0 };
    perGroup.set(gid, { ready: cur.ready || ready, count: cur.count + 1 });
  }
  return [...perGroup].map(([gid, v]) => edge(svcKey, gid, v.ready, v.count));
}

function withTiles(group: GroupFlowNode, keys: string[], pods: ObjectMap<Pod>): GroupFlowNode {
  const tiles: Tile[] = keys.map((key) => podData(key, pods[key] as Pod));
  return { ...group, data: { ...group.data, tiles } };
}

/**
 * Pod objects are immutable (the store replaces, never edits), so what a pod looks like is computed
 * once per pod version; unchanged pods keep the same data object, which keeps re-renders narrow.
 */
const podDataCache = new WeakMap<Pod, PodData>();

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
  };
  podDataCache.set(pod, data);
  return data;
}

function groupNode(id: string, name: string, node: Node | undefined, podCount: number): GroupFlowNode {
  const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return {
    id,
    type: 'nodeGroup',
    position: ORIGIN,
    data: {
      name,
      readiness: nodeReadiness(node),
      unschedulable: node?.spec?.unschedulable === true,
      missing: node === undefined,
      podCount,
      ...(address ? { address } : {}),
    },
  };
}

function podNode(key: string, pod: Pod, parentId: string): PodFlowNode {
  return { id: podId(key), type: 'pod', parentId, extent: 'parent', draggable: false, position: ORIGIN, data: podData(key, pod) };
}

function serviceNode(key: string, svc: Service, podCount: number): ServiceFlowNode {
  const ports = (svc.spec?.ports ?? [])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(', ');
  return {
    id: serviceId(key),
    type: 'service',
    position: ORIGIN,
    data: {
      key,
      name: svc.metadata.name ?? '',
      namespace: svc.metadata.namespace ?? 'default',
      type: svc.spec?.type ?? 'ClusterIP',
      ...(svc.spec?.clusterIP ? { clusterIP: svc.spec.clusterIP } : {}),
      ports,
      podCount,
    },
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
function serviceTargets(
  svc: Service,
  ep: Endpoints | undefined,
  idx: Map<string, string[]>,
  podByIP: Map<string, string>,
  pods: ObjectMap<Pod>,
): Map<string, boolean> {
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
